namespace EdgeRig.Imaging.Tests;

public sealed class I420ImageTests
{
    [Fact]
    public void FillRect_ClipsToTheImage()
    {
        var image = new I420Image(8, 8);
        image.FillRect(-4, 6, 100, 100, YuvColor.Grey(200));
        Assert.Equal(200, image.Y[7 * 8 + 7]);
        Assert.Equal(200, image.Y[6 * 8]);
        Assert.Equal(0, image.Y[5 * 8 + 3]);
    }

    [Fact]
    public void CopyWrappedFrom_WrapsAroundThePanoramaEdge()
    {
        var panorama = new I420Image(16, 4);
        for (int x = 0; x < 16; x++)
            for (int y = 0; y < 4; y++) panorama.Y[y * 16 + x] = (byte)x;
        var view = new I420Image(8, 4);
        view.CopyWrappedFrom(panorama, 12);
        Assert.Equal([12, 13, 14, 15, 0, 1, 2, 3], view.Y[..8]);
        view.CopyWrappedFrom(panorama, -4);
        Assert.Equal(12, view.Y[0]);
    }

    [Fact]
    public void AddLuma_Saturates_AndLeavesChroma()
    {
        var image = new I420Image(4, 4);
        image.Fill(new YuvColor(200, 90, 160));
        image.AddLuma(100);
        Assert.All(image.Y, y => Assert.Equal(255, y));
        Assert.All(image.U, u => Assert.Equal(90, u));
    }

    [Fact]
    public void FromBgr_White_IsFullLumaNeutralChroma()
    {
        Assert.Equal(new YuvColor(255, 128, 128), YuvColor.FromBgr(255, 255, 255));
        Assert.True(YuvColor.FromBgr(0, 0, 255).V > 200); // red: high Cr
    }

    [Fact]
    public void SevenSegment_EightLightsMoreThanOne()
    {
        static int Lit(long value)
        {
            var image = new I420Image(64, 64);
            SevenSegment.Draw(image, value, 4, 4, 40, YuvColor.Grey(255));
            return image.Y.Count(y => y == 255);
        }
        Assert.True(Lit(8) > 2 * Lit(1));
        Assert.True(Lit(88) > Lit(8));
    }
}

public sealed class ResampleTests
{
    [Fact]
    public void Area_AveragesEachBox()
    {
        var source = new BgrImage(4, 2);
        for (int i = 0; i < source.Pixels.Length; i += 3) source.Pixels[i] = (byte)(i / 3 % 2 == 0 ? 100 : 200); // blue alternates by column
        var half = Resample.Area(source, 2, 1);
        Assert.Equal((2, 1), (half.Width, half.Height));
        Assert.Equal(150, half.Pixels[0]);
        Assert.Equal(150, half.Pixels[3]);
    }
}
