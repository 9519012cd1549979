using EdgeRig.Privacy;
using EdgeRig.Privacy.Tests;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// Part of `privacy` (#18): capture-time redaction on the moving-face clip (the test photo's face composited into 1280×720
/// frames at 30 fps, 40–240 px, moving up to ~330 px/s; true boxes known). Recall: frames whose whole true face box was
/// pixelated. Rate: frames per CPU-second of the tracker (detector on every 3rd frame) against the detector on every frame,
/// same frames, same settings. Cores for two 720p30 cameras follow from the tracker's rate. The no-face photo composited the
/// same way: the share of frames passed through byte-identical.
/// </summary>
public static class MovingFaceBench
{
    private static readonly RedactionOptions Capture = new() { DetectScale = 0.625, MinNeighbors = 5 };

    public static void Run(int frames, BenchResults results)
    {
        string dir = PrivacyBench.TestDataDirectory();
        using var messi = Cv2.ImRead(Path.Combine(dir, "messi5.jpg"), ImreadModes.Color);
        using var baboon = Cv2.ImRead(Path.Combine(dir, "baboon.jpg"), ImreadModes.Color);
        using var clip = new MovingFaceClip(messi, new Rect(227, 94, 37, 37), frames);
        using var noFace = new MovingFaceClip(baboon, new Rect(200, 200, 60, 60), frames);
        using var detector = new FaceRedactor(Capture);
        int threads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(1);
        try
        {
            var tracker = new TrackingFaceRedactor(detector, new FaceTrackingOptions { DetectEvery = 3 });
            int covered = 0, smallMissed = 0;
            double trackerCpu = 0, everyFrameCpu = 0;
            for (int k = 0; k < frames; k++)
            {
                var (jpeg, face) = clip.Frame(k);
                var start = Environment.CpuUsage.TotalTime;
                var redacted = tracker.Redact(jpeg);
                trackerCpu += (Environment.CpuUsage.TotalTime - start).TotalSeconds;
                if (MovingFaceClip.Covered(redacted, face)) covered++;
                else if (face.Width < 60) smallMissed++;
                start = Environment.CpuUsage.TotalTime;
                detector.RedactJpeg(jpeg);
                everyFrameCpu += (Environment.CpuUsage.TotalTime - start).TotalSeconds;
            }
            double trackerFps = frames / trackerCpu, everyFrameFps = frames / everyFrameCpu;
            results.Add("privacy", "moving-face-recall", (double)covered / frames, "share", 1.0);
            results.Add("privacy", "moving-face-missed-under-60px", smallMissed, "frames", frames);
            results.Add("privacy", "redact-720p-tracked-fps", trackerFps, "frames/s", everyFrameFps);
            results.Add("privacy", "redact-720p-2x30fps-cores", 2 * MovingFaceClip.Fps / trackerFps, "cores", 2 * MovingFaceClip.Fps / everyFrameFps);

            var quiet = new TrackingFaceRedactor(detector, new FaceTrackingOptions { DetectEvery = 3 });
            int identical = 0;
            for (int k = 0; k < frames; k++)
            {
                var (jpeg, _) = noFace.Frame(k);
                var frame = quiet.Redact(jpeg);
                if (!frame.Changed && ReferenceEquals(frame.Jpeg, jpeg)) identical++;
            }
            results.Add("privacy", "noface-byte-identical", (double)identical / frames, "share", 0.99);
            Console.WriteLine($"privacy: moving face {covered}/{frames} frames covered ({smallMissed} missed under 60 px; Haar finds frontal faces only, " +
                $"profiles are missed); tracked {trackerFps:0.0} fps against {everyFrameFps:0.0} detecting every frame; no-face {identical}/{frames} byte-identical");
        }
        finally
        {
            Cv2.SetNumThreads(threads);
        }
    }
}
