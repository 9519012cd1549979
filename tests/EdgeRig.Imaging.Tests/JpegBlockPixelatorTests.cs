namespace EdgeRig.Imaging.Tests;

public sealed class JpegBlockPixelatorTests
{
    /// <summary>Seeded noise over a gradient: every 8×8 block has detail (AC coefficients) to lose.</summary>
    private static byte[] NoisyJpeg(int w, int h, int seed = 3)
    {
        var random = new Random(seed);
        var image = new BgrImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                image.Pixels[i] = (byte)Math.Clamp(x * 200 / w + random.Next(-40, 40), 0, 255);
                image.Pixels[i + 1] = (byte)Math.Clamp(y * 200 / h + random.Next(-40, 40), 0, 255);
                image.Pixels[i + 2] = (byte)random.Next(256);
            }
        using var codec = new JpegCodec(accurate: true);
        return codec.Encode(image, 85);
    }

    private static bool Inside(PixelRect r, int x, int y) => x >= r.X && x < r.Right && y >= r.Y && y < r.Bottom;

    [Theory]
    [InlineData(100, 50, 37, 37)]   // a small face: cells of one block
    [InlineData(3, 5, 250, 200)]    // a large one near the corner: cells of several blocks
    [InlineData(300, 200, 40, 40)]  // past the right and bottom edges of a 320×240 frame: clipped
    public void Pixelate_OutsideUnchangedExactly_InsideFlatCellsAtTheMean(int x, int y, int w, int h)
    {
        var jpeg = NoisyJpeg(320, 240);
        using var pixelator = new JpegBlockPixelator(cells: 6);
        var result = pixelator.TryPixelate(jpeg, [new PixelRect(x, y, w, h)], out var done);
        Assert.NotNull(result);
        var region = Assert.Single(done);
        Assert.True(region.X % 8 == 0 && region.Y % 8 == 0 && region.Width % 8 == 0 && region.Height % 8 == 0, $"{region} on the block grid");
        Assert.True(region.X <= x && region.Y <= y && region.Right >= Math.Min(x + w, 320) && region.Bottom >= Math.Min(y + h, 240), $"{region} holds the rect");

        using var codec = new JpegCodec(accurate: true);
        var before = codec.TryDecodeGrey(jpeg)!;
        var after = codec.TryDecodeGrey(result)!;
        int cell = Math.Max(8, (int)Math.Round(Math.Max(Math.Min(x + w, 320) - x, Math.Min(y + h, 240) - y) / 6.0 / 8) * 8);
        for (int py = 0; py < 240; py++)
            for (int px = 0; px < 320; px++)
                if (!Inside(region, px, py)) Assert.True(before[px, py] == after[px, py], $"({px},{py}) outside changed");
        for (int cy = region.Y; cy < region.Bottom; cy += cell)
            for (int cx = region.X; cx < region.Right; cx += cell)
            {
                var values = new List<int>();
                double mean = 0;
                for (int py = cy; py < Math.Min(cy + cell, region.Bottom); py++)
                    for (int px = cx; px < Math.Min(cx + cell, region.Right); px++)
                    {
                        values.Add(after[px, py]);
                        mean += before[px, py];
                    }
                mean /= values.Count;
                Assert.True(values.Min() == values.Max(), $"cell at ({cx},{cy}) is flat: {values.Min()}..{values.Max()}");
                Assert.InRange(values[0], mean - 4, mean + 4);
            }
    }

    [Fact]
    public void Pixelate_Colour_ChromaFlatInsideToo()
    {
        var jpeg = NoisyJpeg(320, 240, seed: 5);
        using var pixelator = new JpegBlockPixelator(cells: 4);
        var result = pixelator.TryPixelate(jpeg, [new PixelRect(64, 64, 128, 128)], out var done);
        Assert.Equal(new PixelRect(64, 64, 128, 128), Assert.Single(done));
        using var codec = new JpegCodec(accurate: true);
        var bgr = codec.TryDecodeBgr(result!)!;
        // 32-px cells; chroma is smoothed across cell edges by upsampling, so look at each cell's core
        for (int cy = 64; cy < 192; cy += 32)
            for (int cx = 64; cx < 192; cx += 32)
            {
                var colours = new HashSet<(byte, byte, byte)>();
                for (int py = cy + 4; py < cy + 28; py++)
                    for (int px = cx + 4; px < cx + 28; px++)
                    {
                        int i = (py * 320 + px) * 3;
                        colours.Add((bgr.Pixels[i], bgr.Pixels[i + 1], bgr.Pixels[i + 2]));
                    }
                Assert.True(colours.Count == 1, $"cell at ({cx},{cy}) has {colours.Count} colours");
            }
    }

    [Fact]
    public void Pixelate_ImageNotAMultipleOfTheBlock_RectReportedWithinTheImage()
    {
        var jpeg = NoisyJpeg(101, 75);
        using var pixelator = new JpegBlockPixelator();
        var result = pixelator.TryPixelate(jpeg, [new PixelRect(90, 60, 20, 20)], out var done);
        Assert.Equal(new PixelRect(88, 56, 13, 19), Assert.Single(done));
        using var codec = new JpegCodec(accurate: true);
        var after = codec.TryDecodeGrey(result!)!;
        Assert.Equal((101, 75), (after.Width, after.Height));
        Assert.Equal(codec.TryDecodeGrey(jpeg)![10, 10], after[10, 10]);
    }

    [Fact]
    public void Pixelate_NoRects_SameImage()
    {
        var jpeg = NoisyJpeg(160, 120);
        using var pixelator = new JpegBlockPixelator();
        var result = pixelator.TryPixelate(jpeg, [], out var done);
        Assert.Empty(done);
        using var codec = new JpegCodec(accurate: true);
        Assert.Equal(codec.TryDecodeBgr(jpeg)!.Pixels, codec.TryDecodeBgr(result!)!.Pixels);
    }

    [Fact]
    public void Pixelate_NotAJpeg_NullAndTheNextFrameStillWorks()
    {
        using var pixelator = new JpegBlockPixelator();
        Assert.Null(pixelator.TryPixelate(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5 }, [new PixelRect(0, 0, 8, 8)], out _));
        Assert.Null(pixelator.TryPixelate(new byte[100], [new PixelRect(0, 0, 8, 8)], out _));
        Assert.NotNull(pixelator.TryPixelate(NoisyJpeg(64, 64), [new PixelRect(0, 0, 8, 8)], out _));
    }
}
