namespace EdgeRig.Imaging;

/// <summary>A colour in JPEG's YCbCr (BT.601, full range), the space I420 planes and JPEG store.</summary>
public readonly record struct YuvColor(byte Y, byte U, byte V)
{
    public static YuvColor FromBgr(byte b, byte g, byte r) => new(
        Clamp(0.299 * r + 0.587 * g + 0.114 * b),
        Clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b),
        Clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b));

    public static YuvColor Grey(byte level) => new(level, 128, 128);

    internal static byte Clamp(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
}

/// <summary>
/// A planar YCbCr 4:2:0 image (full-resolution Y, half-resolution U and V): what an MJPEG camera's encoder consumes, so
/// drawing into it and encoding needs no colour conversion. Width and height are even.
/// </summary>
public sealed class I420Image
{
    public I420Image(int width, int height)
    {
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
            throw new ArgumentException($"I420 needs a positive, even size; got {width}x{height}");
        Width = width;
        Height = height;
        Y = new byte[width * height];
        U = new byte[ChromaWidth * ChromaHeight];
        V = new byte[ChromaWidth * ChromaHeight];
    }

    public int Width { get; }
    public int Height { get; }
    public int ChromaWidth => Width / 2;
    public int ChromaHeight => Height / 2;
    public byte[] Y { get; }
    public byte[] U { get; }
    public byte[] V { get; }

    public void Fill(YuvColor c)
    {
        Y.AsSpan().Fill(c.Y);
        U.AsSpan().Fill(c.U);
        V.AsSpan().Fill(c.V);
    }

    public void SetPixel(int x, int y, YuvColor c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        Y[y * Width + x] = c.Y;
        int ci = (y / 2) * ChromaWidth + x / 2;
        U[ci] = c.U;
        V[ci] = c.V;
    }

    /// <summary>Fills the rectangle, clipped to the image.</summary>
    public void FillRect(int x, int y, int width, int height, YuvColor c)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y), x1 = Math.Min(Width, x + width), y1 = Math.Min(Height, y + height);
        if (x0 >= x1 || y0 >= y1) return;
        for (int row = y0; row < y1; row++) Y.AsSpan(row * Width + x0, x1 - x0).Fill(c.Y);
        int cx0 = x0 / 2, cx1 = (x1 + 1) / 2;
        for (int row = y0 / 2; row < (y1 + 1) / 2; row++)
        {
            U.AsSpan(row * ChromaWidth + cx0, cx1 - cx0).Fill(c.U);
            V.AsSpan(row * ChromaWidth + cx0, cx1 - cx0).Fill(c.V);
        }
    }

    /// <summary>Fills a disc, clipped to the image.</summary>
    public void FillCircle(int cx, int cy, int radius, YuvColor c)
    {
        for (int dy = -radius; dy <= radius; dy++)
        {
            int half = (int)Math.Sqrt((double)radius * radius - dy * dy);
            FillRect(cx - half, cy + dy, 2 * half + 1, 1, c);
        }
    }

    /// <summary>Adds a level to every luma sample, saturating at 255 (light added equally to R, G and B leaves chroma alone).</summary>
    public void AddLuma(int delta)
    {
        if (delta <= 0) return;
        var y = Y.AsSpan();
        for (int i = 0; i < y.Length; i++) y[i] = (byte)Math.Min(255, y[i] + delta);
    }

    /// <summary>Copies a Width-wide window of <paramref name="source"/> starting at column <paramref name="x"/>, wrapping
    /// around the source's right edge (a horizontally periodic panorama). Luma moves by exactly x; chroma by x/2 rounded down.</summary>
    public void CopyWrappedFrom(I420Image source, int x)
    {
        if (source.Height < Height) throw new ArgumentException("the source is shorter than the image");
        x = ((x % source.Width) + source.Width) % source.Width;
        CopyPlane(source.Y, source.Width, Y, Width, Height, x);
        CopyPlane(source.U, source.ChromaWidth, U, ChromaWidth, ChromaHeight, x / 2);
        CopyPlane(source.V, source.ChromaWidth, V, ChromaWidth, ChromaHeight, x / 2);
    }

    private static void CopyPlane(byte[] source, int sourceWidth, byte[] destination, int width, int rows, int x)
    {
        for (int row = 0; row < rows; row++)
        {
            int copied = 0, from = x;
            while (copied < width)
            {
                int n = Math.Min(width - copied, sourceWidth - from);
                source.AsSpan(row * sourceWidth + from, n).CopyTo(destination.AsSpan(row * width + copied, n));
                copied += n;
                from = 0;
            }
        }
    }
}
