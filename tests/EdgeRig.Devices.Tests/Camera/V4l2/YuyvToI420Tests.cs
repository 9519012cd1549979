using EdgeRig.Imaging;

namespace EdgeRig.Devices.Tests.Camera.V4l2;

/// <summary>The YUYV → I420 conversion the V4L2 camera encodes YUYV frames through (EdgeRig.Imaging).</summary>
public sealed class YuyvToI420Tests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TwoRows_LumaCopied_ChromaOfBothRowsAveraged(bool limited)
    {
        // 4x2 pixels, 10 bytes per line (2 bytes padding): Y0 U Y1 V pairs
        byte[] yuyv =
        [
            16, 100, 235, 140, 50, 60, 70, 80, 0, 0,
            20, 110, 30, 150, 40, 61, 90, 82, 0, 0,
        ];
        var image = new I420Image(4, 2);

        YuyvToI420.Convert(yuyv, 10, image, limited);

        if (limited)
        {
            Assert.Equal([0, 255, 40, 63, 5, 16, 28, 86], image.Y); // (Y - 16) × 255 / 219
            Assert.Equal([102, 52], image.U);                      // 128 + (C - 128) × 255 / 224 of the averages below
            Assert.Equal([147, 74], image.V);
        }
        else
        {
            Assert.Equal([16, 235, 50, 70, 20, 30, 40, 90], image.Y);
            Assert.Equal([105, 61], image.U); // (100 + 110 + 1) / 2, (60 + 61 + 1) / 2
            Assert.Equal([145, 81], image.V);
        }
    }

    [Fact]
    public void ShortBuffer_RefusedNamingTheSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => YuyvToI420.Convert(new byte[10], 8, new I420Image(4, 2), limitedRange: false));
        Assert.Contains("4x2 YUYV frame needs 16 bytes, got 10", e.Message);
    }
}
