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
