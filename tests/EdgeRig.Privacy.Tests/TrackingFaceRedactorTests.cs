using OpenCvSharp;

namespace EdgeRig.Privacy.Tests;

public sealed class TrackingFaceRedactorTests
{
    /// <summary>Capture settings: a 5/8 grey decode (faces from ~38 px), five neighbours (fewer false alarms on texture).</summary>
    private static RedactionOptions Capture => new() { DetectScale = 0.625, MinNeighbors = 5 };

    [Fact]
    public void MovingFace_240Frames_EveryFrameCovered_WithTheDetectorOnAThirdOfThem()
    {
        using var photo = Cv2.ImRead(TestData.PhotoPath("messi5.jpg"), ImreadModes.Color);
        using var clip = new MovingFaceClip(photo, TestData.MessiFace, frames: 240);
        using var detector = new FaceRedactor(Capture);
        var tracker = new TrackingFaceRedactor(detector, new FaceTrackingOptions { DetectEvery = 3 });

        var missed = new List<int>();
        for (int k = 0; k < clip.Frames; k++)
        {
            var (jpeg, face) = clip.Frame(k);
            if (!MovingFaceClip.Covered(tracker.Redact(jpeg), face)) missed.Add(k);
        }

        Assert.True(missed.Count == 0, $"{missed.Count} of {clip.Frames} frames not covered: {string.Join(", ", missed.Take(20))}");
    }

    [Fact]
    public void NoFace_FramesPassThroughByteIdentical_AlmostAll()
    {
        using var photo = Cv2.ImRead(TestData.PhotoPath("baboon.jpg"), ImreadModes.Color);
        using var clip = new MovingFaceClip(photo, new Rect(200, 200, 60, 60), frames: 120);
        using var detector = new FaceRedactor(Capture);
        var tracker = new TrackingFaceRedactor(detector);

        int identical = 0;
        for (int k = 0; k < clip.Frames; k++)
        {
            var (jpeg, _) = clip.Frame(k);
            var frame = tracker.Redact(jpeg);
            if (!frame.Changed && ReferenceEquals(jpeg, frame.Jpeg)) identical++;
        }

        Assert.True(identical >= clip.Frames * 0.97, $"{identical} of {clip.Frames} frames byte-identical");
    }

    [Fact]
    public void FaceSeenOnce_IsCarriedAndGrown_UntilTheNextDetection()
    {
        using var photo = Cv2.ImRead(TestData.PhotoPath("messi5.jpg"), ImreadModes.Color);
        using var clip = new MovingFaceClip(photo, TestData.MessiFace, frames: 300);
        using var detector = new FaceRedactor(new RedactionOptions());
        var tracker = new TrackingFaceRedactor(detector, new FaceTrackingOptions { DetectEvery = 5 });

        var first = tracker.Redact(clip.Frame(150).Jpeg);   // detected
        var carried = tracker.Redact(clip.Frame(151).Jpeg); // not looked at: carried from frame 150
        var later = tracker.Redact(clip.Frame(152).Jpeg);

        Assert.True(first.Faces >= 1);
        Assert.Equal(0, carried.Faces);
        Assert.True(carried.Changed);
        var a = first.Boxes[0];
        var b = carried.Boxes[0];
        var c = later.Boxes[0];
        Assert.True(b.Contains(a.TopLeft) && b.Contains(new Point(a.Right - 1, a.Bottom - 1)), $"{b} does not hold {a}");
        Assert.True(c.Contains(b.TopLeft) && c.Contains(new Point(b.Right - 1, b.Bottom - 1)), $"{c} does not hold {b}: shrunk between detections");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    public void Options_DetectEveryOutOfRange_Refused(int every)
    {
        using var detector = new FaceRedactor(new RedactionOptions());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrackingFaceRedactor(detector, new FaceTrackingOptions { DetectEvery = every }));
    }
}
