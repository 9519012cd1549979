namespace EdgeRig.Imaging;

/// <summary>An 8-bit single-channel image, rows packed (stride = width).</summary>
public sealed record GreyImage(int Width, int Height, byte[] Pixels)
{
    public GreyImage(int width, int height) : this(width, height, new byte[checked(width * height)]) { }

    public byte this[int x, int y] => Pixels[y * Width + x];
}

/// <summary>An 8-bit three-channel image in blue-green-red order (OpenCV's and most cameras' order), rows packed.</summary>
public sealed record BgrImage(int Width, int Height, byte[] Pixels)
{
    public BgrImage(int width, int height) : this(width, height, new byte[checked(width * height * 3)]) { }

    public int Stride => Width * 3;
}

/// <summary>Resampling for thumbnails: each output pixel is the mean of the source box it covers (like OpenCV's INTER_AREA
/// when shrinking); enlarging falls back to the nearest source pixel.</summary>
public static class Resample
{
    public static BgrImage Area(BgrImage source, int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"thumbnail size {width}x{height} is empty");
        var result = new BgrImage(width, height);
        for (int y = 0; y < height; y++)
        {
            int y0 = y * source.Height / height, y1 = Math.Max(y0 + 1, (y + 1) * source.Height / height);
            for (int x = 0; x < width; x++)
            {
                int x0 = x * source.Width / width, x1 = Math.Max(x0 + 1, (x + 1) * source.Width / width);
                int b = 0, g = 0, r = 0, n = (y1 - y0) * (x1 - x0);
                for (int sy = y0; sy < y1; sy++)
                {
                    int i = (sy * source.Width + x0) * 3;
                    for (int sx = x0; sx < x1; sx++, i += 3)
                    {
                        b += source.Pixels[i];
                        g += source.Pixels[i + 1];
                        r += source.Pixels[i + 2];
                    }
                }
                int o = (y * width + x) * 3;
                result.Pixels[o] = (byte)((b + n / 2) / n);
                result.Pixels[o + 1] = (byte)((g + n / 2) / n);
                result.Pixels[o + 2] = (byte)((r + n / 2) / n);
            }
        }
        return result;
    }
}
