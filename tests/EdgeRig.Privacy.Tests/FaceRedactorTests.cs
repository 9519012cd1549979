using OpenCvSharp;

namespace EdgeRig.Privacy.Tests;

public sealed class FaceRedactorTests
{
    /// <summary>A detection is the test photo's face when it overlaps the known box by intersection-over-union 0.3 or more.</summary>
    private static bool IsTheFace(Rect found)
    {
        var common = found.Intersect(TestData.MessiFace);
        double intersection = common.Width * common.Height;
        return intersection / (found.Width * found.Height + TestData.MessiFace.Width * TestData.MessiFace.Height - intersection) >= 0.3;
    }

    [Theory]
    [InlineData(RedactionStyle.Pixelate)]
    [InlineData(RedactionStyle.Blur)]
    public void RedactJpeg_FacePhoto_RedactsTheKnownFace(RedactionStyle style)
    {
        using var redactor = new FaceRedactor(new RedactionOptions { Style = style });

        var frame = redactor.RedactJpeg(TestData.Photo("messi5.jpg"));

        Assert.True(frame.Changed);
        Assert.True(frame.Faces >= 1);
        Assert.Equal(frame.Faces, frame.Boxes.Count);
        Assert.Contains(frame.Boxes, b => b.Contains(TestData.MessiFace.TopLeft) && b.Contains(TestData.MessiFace.BottomRight - new Point(1, 1)));
        Assert.True(frame.Jpeg.AsSpan().StartsWith(new byte[] { 0xFF, 0xD8, 0xFF }));
    }

    [Theory]
    [InlineData(RedactionStyle.Pixelate, "default")]
    [InlineData(RedactionStyle.Pixelate, "alt")]
    [InlineData(RedactionStyle.Pixelate, "alt2")]
    [InlineData(RedactionStyle.Blur, "default")]
    [InlineData(RedactionStyle.Blur, "alt")]
    [InlineData(RedactionStyle.Blur, "alt2")]
    public void RedactJpeg_FacePhoto_CascadesNoLongerFindTheFace(RedactionStyle style, string cascade)
    {
        using var redactor = new FaceRedactor(new RedactionOptions { Style = style });
        // the strictest search: full resolution, every cascade of opencv-data
        using var strict = new FaceRedactor(new RedactionOptions { CascadePath = TestData.Cascade(cascade), DetectScale = 1, ScaleFactor = 1.05, MinNeighbors = 2 });
        byte[] photo = TestData.Photo("messi5.jpg");
        using var before = Cv2.ImDecode(photo, ImreadModes.Color);
        Assert.Contains(strict.Detect(before), IsTheFace); // the search finds the face when it is there

        using var after = Cv2.ImDecode(redactor.RedactJpeg(photo).Jpeg, ImreadModes.Color);

        Assert.DoesNotContain(strict.Detect(after), IsTheFace);
    }

    [Theory]
    [InlineData(RedactionStyle.Pixelate)]
    [InlineData(RedactionStyle.Blur)]
    public void RedactJpeg_FacePhoto_ChangesOnlyInsideTheBoxes(RedactionStyle style)
    {
        var options = new RedactionOptions { Style = style };
        using var redactor = new FaceRedactor(options);
        byte[] photo = TestData.Photo("messi5.jpg");

        var frame = redactor.RedactJpeg(photo);

        using var original = Cv2.ImDecode(photo, ImreadModes.Color);
        using var redacted = Cv2.ImDecode(frame.Jpeg, ImreadModes.Color);
        Cv2.ImEncode(".jpg", original, out byte[] reencodedJpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, options.JpegQuality));
        using var reencoded = Cv2.ImDecode(reencodedJpeg, ImreadModes.Color);
        Assert.Equal(original.Size(), redacted.Size());
        using var inside = new Mat(original.Size(), MatType.CV_8UC1, Scalar.All(0));
        foreach (var box in frame.Boxes) inside.Rectangle(box, Scalar.All(255), -1);
        using var outside = new Mat();
        Cv2.BitwiseNot(inside, outside);

        double reencodeOutside = MeanAbsDiff(original, reencoded, outside); // what re-encoding alone costs
        double redactedOutside = MeanAbsDiff(original, redacted, outside);
        double redactedInside = MeanAbsDiff(original, redacted, inside);
        Assert.True(redactedOutside <= reencodeOutside + 0.25 && redactedOutside < 4,
            $"mean |diff| outside the boxes {redactedOutside:0.00}, a plain re-encode {reencodeOutside:0.00}: more changed than the re-encode");
        Assert.True(redactedInside > 12, $"mean |diff| inside the boxes {redactedInside:0.00}: the face was hardly changed");
    }

    [Fact]
    public void RedactJpeg_PixelatedInCoefficients_OutsideTheBoxesDecodesExactlyAsTheOriginal()
    {
        using var redactor = new FaceRedactor(new RedactionOptions { PixelateCoefficients = true });
        byte[] photo = TestData.Photo("messi5.jpg");

        var frame = redactor.RedactJpeg(photo);

        Assert.True(frame.Changed);
        using var codec = new EdgeRig.Imaging.JpegCodec(accurate: true);
        var before = codec.TryDecodeGrey(photo)!;
        var after = codec.TryDecodeGrey(frame.Jpeg)!;
        int changedInside = 0;
        for (int y = 0; y < before.Height; y++)
            for (int x = 0; x < before.Width; x++)
            {
                bool inside = frame.Boxes.Any(b => b.Contains(x, y));
                if (!inside) Assert.True(before[x, y] == after[x, y], $"({x},{y}) outside the boxes changed");
                else if (before[x, y] != after[x, y]) changedInside++;
            }
        Assert.True(changedInside > frame.Boxes.Sum(b => b.Width * b.Height) / 2, $"only {changedInside} pixels inside the boxes changed");
        Assert.All(frame.Boxes, b => Assert.True(b.X % 8 == 0 && b.Y % 8 == 0, $"{b} on the 8×8 block grid"));
    }

    /// <summary>The capture settings find one face from 40 to 240 px whether the cascade scans one pyramid or octaves (the
    /// sizes cover the first three octaves of the 5/8 grey image).</summary>
    [Theory]
    [InlineData(40, true)]
    [InlineData(80, true)]
    [InlineData(160, true)]
    [InlineData(240, true)]
    [InlineData(40, false)]
    [InlineData(160, false)]
    public void DetectJpeg_FaceOfEachSize_FoundInOctavesAsInOnePyramid(int size, bool octaves)
    {
        using var photo = Cv2.ImRead(TestData.PhotoPath("messi5.jpg"), ImreadModes.Color);
        using var clip = new MovingFaceClip(photo, TestData.MessiFace, frames: 1, minSize: size, maxSize: size);
        using var redactor = new FaceRedactor(new RedactionOptions { DetectScale = 0.625, MinNeighbors = 5, ScanInOctaves = octaves });
        var (jpeg, face) = clip.Frame(0);

        var found = redactor.DetectJpeg(jpeg, out _);

        var centre = new Point(face.X + face.Width / 2, face.Y + face.Height / 2);
        var hit = Assert.Single(found);
        Assert.True(hit.Contains(centre), $"found {hit}, the face is at {face}");
        Assert.InRange(hit.Width, face.Width * 0.6, face.Width * 2);
    }

    private static double MeanAbsDiff(Mat a, Mat b, Mat mask)
    {
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        var mean = Cv2.Mean(diff, mask);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }

    [Fact]
    public void RedactJpeg_NoFacePhoto_ReturnsTheOriginalBytes()
    {
        using var redactor = new FaceRedactor(new RedactionOptions());
        byte[] photo = TestData.Photo("baboon.jpg");

        var fromSpan = redactor.RedactJpeg((ReadOnlySpan<byte>)photo);
        var fromArray = redactor.RedactJpeg(photo);

        Assert.False(fromSpan.Changed);
        Assert.Equal(0, fromSpan.Faces);
        Assert.Empty(fromSpan.Boxes);
        Assert.Equal(photo, fromSpan.Jpeg);
        Assert.NotSame(photo, fromSpan.Jpeg);
        Assert.Same(photo, fromArray.Jpeg);
        Assert.False(fromArray.Changed);
    }

    [Fact]
    public void Ctor_MissingCascade_ThrowsFileNotFoundNamingIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-cascade-{Guid.NewGuid():N}.xml");

        var e = Assert.Throws<FileNotFoundException>(() => new FaceRedactor(new RedactionOptions { CascadePath = path }));

        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Ctor_FileIsNotACascade_ThrowsInvalidData()
    {
        string path = Path.Combine(Path.GetTempPath(), $"not-a-cascade-{Guid.NewGuid():N}.xml");
        File.WriteAllText(path, "<?xml version=\"1.0\"?>\n<opencv_storage>\n<nothing>1</nothing>\n</opencv_storage>\n");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => new FaceRedactor(new RedactionOptions { CascadePath = path }));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }

    public static TheoryData<string, byte[]> CorruptFrames() => new()
    {
        { "empty", [] },
        { "random bytes", Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray() },
        { "png signature", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] },
        { "jpeg markers then garbage", [0xFF, 0xD8, 0xFF, 0xE0, .. Enumerable.Repeat((byte)0x55, 2000)] },
        { "headers only", TestData.Photo("messi5.jpg")[..120] },
    };

    [Theory]
    [MemberData(nameof(CorruptFrames))]
    public void RedactJpeg_CorruptFrame_ThrowsCorruptJpeg(string what, byte[] bytes)
    {
        using var redactor = new FaceRedactor(new RedactionOptions());

        var e = Assert.Throws<CorruptJpegException>(() => redactor.RedactJpeg(bytes));

        Assert.Contains($"{bytes.Length} bytes", e.Message);
        Assert.NotNull(what);
    }

    [Fact]
    public void RedactJpeg_ManyThreadsAtOnce_SameResultAsOneThread()
    {
        using var redactor = new FaceRedactor(new RedactionOptions());
        byte[] face = TestData.Photo("messi5.jpg"), noFace = TestData.Photo("baboon.jpg");
        var expected = redactor.RedactJpeg(face);

        var results = new RedactedFrame[16];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = redactor.RedactJpeg(i % 2 == 0 ? face : noFace));

        for (int i = 0; i < results.Length; i++)
        {
            if (i % 2 == 0)
            {
                Assert.Equal(expected.Boxes, results[i].Boxes);
                Assert.Equal(expected.Jpeg, results[i].Jpeg);
            }
            else Assert.Same(noFace, results[i].Jpeg);
        }
    }

    [Fact]
    public void Preload_LoadsACascadePerConcurrentCaller_AndCallsReuseThem()
    {
        using var redactor = new FaceRedactor(new RedactionOptions());
        Assert.Equal(1, redactor.PooledCascades); // loaded by the constructor, to fail early

        redactor.Preload(3);
        redactor.RedactJpeg(TestData.Photo("baboon.jpg"));

        Assert.Equal(3, redactor.PooledCascades);
    }

    [Fact]
    public void Detect_NotBgr_ThrowsArgument()
    {
        using var redactor = new FaceRedactor(new RedactionOptions());
        using var grey = new Mat(100, 100, MatType.CV_8UC1, Scalar.All(128));

        Assert.Throws<ArgumentException>(() => redactor.Detect(grey));
    }

    [Theory]
    [InlineData(100, 100, 40, 40, 0.15, 94, 94, 52, 52)]
    [InlineData(100, 100, 40, 40, 0, 100, 100, 40, 40)]
    [InlineData(0, 0, 40, 20, 0.5, 0, 0, 60, 30)]          // clipped at the top-left corner
    [InlineData(620, 460, 20, 20, 0.25, 615, 455, 25, 25)] // clipped at the bottom-right corner of 640×480
    public void Grow_GrowsEachSideAndClipsToTheFrame(int x, int y, int w, int h, double margin, int ex, int ey, int ew, int eh) =>
        Assert.Equal(new Rect(ex, ey, ew, eh), FaceRedactor.Grow(new Rect(x, y, w, h), margin, new Size(640, 480)));

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    public void Ctor_DetectScaleOutOfRange_Throws(double scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceRedactor(new RedactionOptions { DetectScale = scale }));

    [Fact]
    public void RedactJpeg_AfterDispose_ThrowsObjectDisposed()
    {
        var redactor = new FaceRedactor(new RedactionOptions());
        redactor.Dispose();

        Assert.Throws<ObjectDisposedException>(() => redactor.RedactJpeg(TestData.Photo("baboon.jpg")));
    }
}
