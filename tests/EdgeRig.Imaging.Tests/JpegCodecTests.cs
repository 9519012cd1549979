using EdgeRig.Core;

namespace EdgeRig.Imaging.Tests;

public sealed class JpegCodecTests
{
    private static readonly string Photos = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "testdata");

    private static BgrImage Gradient(int w, int h)
    {
        var image = new BgrImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                image.Pixels[i] = (byte)(x * 255 / w);
                image.Pixels[i + 1] = (byte)(y * 255 / h);
                image.Pixels[i + 2] = 90;
            }
        return image;
    }

    [Fact]
    public void Encode_ThenDecode_PixelsCloseToTheSource()
    {
        using var codec = new JpegCodec();
        var source = Gradient(320, 240);
        var jpeg = codec.Encode(source, 95);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        var back = codec.TryDecodeBgr(jpeg);
        Assert.NotNull(back);
        Assert.Equal((320, 240), (back.Width, back.Height));
        double meanError = source.Pixels.Zip(back.Pixels, (a, b) => (double)Math.Abs(a - b)).Average();
        Assert.InRange(meanError, 0, 3);
    }

    [Theory]
    [InlineData(1, 320, 240)]
    [InlineData(2, 160, 120)]
    [InlineData(4, 80, 60)]
    [InlineData(8, 40, 30)]
    public void DecodeGrey_Scaled_SizeAndLevelFollowTheScale(int scale, int width, int height)
    {
        using var codec = new JpegCodec();
        var grey = new I420Image(320, 240);
        grey.Fill(YuvColor.Grey(77));
        var image = codec.TryDecodeGrey(codec.Encode(grey, 90), scale);
        Assert.NotNull(image);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.InRange(image.Pixels.Average(p => p), 75, 79);
    }

    [Fact]
    public void EncodeI420_DecodesToTheDrawnLuma()
    {
        using var codec = new JpegCodec();
        var image = new I420Image(64, 48);
        image.Fill(YuvColor.Grey(20));
        image.FillRect(16, 16, 16, 16, YuvColor.Grey(220));
        var grey = codec.TryDecodeGrey(codec.Encode(image, 95));
        Assert.NotNull(grey);
        Assert.InRange((int)grey[24, 24], 210, 230);
        Assert.InRange((int)grey[4, 4], 12, 28);
    }

    [Fact]
    public void RealPhoto_DecodesAtAnEighthFromItsHeader()
    {
        using var codec = new JpegCodec();
        var jpeg = File.ReadAllBytes(Path.Combine(Photos, "baboon.jpg"));
        Assert.True(codec.TryReadSize(jpeg, out int w, out int h));
        var small = codec.TryDecodeGrey(jpeg, 8);
        Assert.NotNull(small);
        Assert.Equal(JpegCodec.Scaled(w, h, 8), (small.Width, small.Height));
        Assert.Contains(small.Pixels, p => p > 100);
    }

    [Fact]
    public void NotAJpeg_IsNullNotAnException()
    {
        using var codec = new JpegCodec();
        byte[] garbage = [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 31))];
        Assert.False(codec.TryReadSize(garbage, out _, out _));
        Assert.Null(codec.TryDecodeGrey(garbage));
        Assert.Null(codec.TryDecodeBgr([0xFF, 0xD8, 0xFF]));
    }

    [Fact]
    public void TruncatedJpeg_StillDecodesWhatIsThere()
    {
        using var codec = new JpegCodec();
        var jpeg = codec.Encode(Gradient(320, 240), 90);
        var image = codec.TryDecodeGrey(jpeg.AsSpan(0, jpeg.Length * 2 / 3), 2);
        Assert.NotNull(image);
        Assert.Equal((160, 120), (image.Width, image.Height));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void Encode_QualityOutOfRange_Refused(int quality)
    {
        using var codec = new JpegCodec();
        Assert.Throws<ArgumentOutOfRangeException>(() => codec.Encode(new I420Image(16, 16), quality));
    }

    [Fact]
    public void Probe_FindsLibturbojpeg_AndNamesTheFile()
    {
        var state = JpegCodec.Probe();
        Assert.True(state.Found, state.Detail);
        Assert.Contains("libturbojpeg.so.0", state.Detail);
    }

    [Fact]
    public void Probe_MissingLibrary_SaysUnavailableWithHowToGetIt()
    {
        var state = NativeLibraryState.Probe("libedgerig-absent.so.9", typeof(JpegCodec).Assembly, "nothing", "apt install nothing");
        Assert.False(state.Found);
        Assert.Equal("unavailable: libedgerig-absent.so.9 not found (apt install nothing)", state.Unavailable);
    }
}

public sealed class JpegCodecRecoveryTests
{
    [Fact]
    public void AfterADamagedFrame_TheNextGoodFrameDecodes()
    {
        using var codec = new JpegCodec();
        var good = new I420Image(64, 64);
        good.Fill(YuvColor.Grey(99));
        var jpeg = codec.Encode(good, 90);
        var garbage = new byte[5000];
        new Random(4).NextBytes(garbage);
        garbage[0] = 0xFF;
        garbage[1] = 0xD8;
        Assert.Null(codec.TryDecodeGrey(garbage, 4));
        var next = codec.TryDecodeGrey(jpeg, 4);
        Assert.NotNull(next);
        Assert.InRange(next.Pixels.Average(p => p), 97, 101);
    }
}
