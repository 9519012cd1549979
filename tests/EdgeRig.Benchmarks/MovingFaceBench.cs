using EdgeRig.Imaging;
using EdgeRig.Privacy;
using EdgeRig.Privacy.Tests;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// Part of `privacy` (#18): capture-time redaction on the moving-face clip (the test photo's face composited into 1280×720
/// frames at 30 fps, 40–240 px, moving up to ~330 px/s; true boxes known). Recall: frames whose whole true face box was
/// pixelated. Rate: frames per CPU-second of the tracker (detector on every 3rd frame) against, on the same frames in the same
/// pass, the tracker as it was before (one pyramid, pixelation by decode and re-encode) and the detector on every frame. Cores
/// for two 720p30 cameras follow from the rates. Per-stage CPU ms per frame (grey decode, cascade, pixelation, the rest:
/// tracking) from the same frames timed stage by stage. The no-face photo composited the same way: the share of frames
/// passed through byte-identical.
/// </summary>
public static class MovingFaceBench
{
    private static readonly RedactionOptions Capture = new() { DetectScale = 0.625, MinNeighbors = 5 };
    private static readonly RedactionOptions Before = Capture with { ScanInOctaves = false, PixelateCoefficients = false };

    public static void Run(int frames, BenchResults results)
    {
        string dir = PrivacyBench.TestDataDirectory();
        using var messi = Cv2.ImRead(Path.Combine(dir, "messi5.jpg"), ImreadModes.Color);
        using var baboon = Cv2.ImRead(Path.Combine(dir, "baboon.jpg"), ImreadModes.Color);
        using var clip = new MovingFaceClip(messi, new Rect(227, 94, 37, 37), frames);
        using var noFace = new MovingFaceClip(baboon, new Rect(200, 200, 60, 60), frames);
        using var detector = new FaceRedactor(Capture);
        using var before = new FaceRedactor(Before);
        int threads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(1);
        try
        {
            var tracking = new FaceTrackingOptions { DetectEvery = 3 };
            var tracker = new TrackingFaceRedactor(detector, tracking);
            var oldTracker = new TrackingFaceRedactor(before, tracking);
            using var stages = new StageTimes(detector, Capture, tracking.DetectEvery);
            int covered = 0, smallMissed = 0, coveredBefore = 0;
            double trackerCpu = 0, beforeCpu = 0, everyFrameCpu = 0;
            for (int k = 0; k < frames; k++)
            {
                var (jpeg, face) = clip.Frame(k);
                var redacted = Timed(() => tracker.Redact(jpeg), ref trackerCpu);
                if (MovingFaceClip.Covered(redacted, face)) covered++;
                else if (face.Width < 60) smallMissed++;
                if (MovingFaceClip.Covered(Timed(() => oldTracker.Redact(jpeg), ref beforeCpu), face)) coveredBefore++;
                Timed(() => detector.RedactJpeg(jpeg), ref everyFrameCpu);
                stages.Add(k, jpeg, redacted);
            }
            double trackerFps = frames / trackerCpu, beforeFps = frames / beforeCpu, everyFrameFps = frames / everyFrameCpu;
            results.Add("privacy", "moving-face-recall", (double)covered / frames, "share", (double)coveredBefore / frames);
            results.Add("privacy", "moving-face-missed-under-60px", smallMissed, "frames", frames);
            results.Add("privacy", "redact-720p-tracked-fps", trackerFps, "frames/s", everyFrameFps);
            results.Add("privacy", "redact-720p-tracked-fps-vs-before", trackerFps, "frames/s", beforeFps);
            results.Add("privacy", "redact-720p-2x30fps-cores", 2 * MovingFaceClip.Fps / trackerFps, "cores", 2 * MovingFaceClip.Fps / beforeFps);
            results.Add("privacy", "redact-720p-2x30fps-cores-vs-every-frame", 2 * MovingFaceClip.Fps / trackerFps, "cores", 2 * MovingFaceClip.Fps / everyFrameFps);
            stages.Report(results, trackerCpu * 1000 / frames);

            var quiet = new TrackingFaceRedactor(detector, tracking);
            int identical = 0;
            for (int k = 0; k < frames; k++)
            {
                var (jpeg, _) = noFace.Frame(k);
                var frame = quiet.Redact(jpeg);
                if (!frame.Changed && ReferenceEquals(frame.Jpeg, jpeg)) identical++;
            }
            results.Add("privacy", "noface-byte-identical", (double)identical / frames, "share", 0.99);
            Console.WriteLine($"privacy: moving face {covered}/{frames} frames covered ({coveredBefore} before; {smallMissed} missed under 60 px; Haar finds frontal " +
                $"faces only, profiles are missed); tracked {trackerFps:0.0} fps against {beforeFps:0.0} before and {everyFrameFps:0.0} detecting every frame; " +
                $"no-face {identical}/{frames} byte-identical");
        }
        finally
        {
            Cv2.SetNumThreads(threads);
        }
    }

    private static T Timed<T>(Func<T> work, ref double cpuSeconds)
    {
        var start = Environment.CpuUsage.TotalTime;
        var result = work();
        cpuSeconds += (Environment.CpuUsage.TotalTime - start).TotalSeconds;
        return result;
    }

    /// <summary>The tracker's stages timed one by one on the same frames: the grey decode and the cascade on detection frames,
    /// the pixelation of the tracker's boxes on frames that had one, and before's decode + re-encode of those frames.</summary>
    private sealed class StageTimes(FaceRedactor detector, RedactionOptions options, int detectEvery) : IDisposable
    {
        private readonly JpegCodec _codec = new(accurate: true);
        private readonly JpegBlockPixelator _pixelator = new(options.Blocks);
        private readonly int _eighths = (int)Math.Ceiling(options.DetectScale * 8 - 1e-9);
        private double _decode, _detect, _pixelate, _reencode;
        private int _frames;

        public void Add(int k, byte[] jpeg, RedactedFrame redacted)
        {
            _frames++;
            if (k % detectEvery == 0)
            {
                double decode = 0;
                Timed(() => _codec.TryDecodeGreyEighths(jpeg, _eighths), ref decode);
                _decode += decode;
                Timed(() => detector.DetectJpeg(jpeg, out _), ref _detect);
                _detect -= decode; // DetectJpeg decodes too
            }
            if (!redacted.Changed) return;
            var boxes = redacted.Boxes.Select(b => new PixelRect(b.X, b.Y, b.Width, b.Height)).ToArray();
            Timed(() => _pixelator.TryPixelate(jpeg, boxes, out _), ref _pixelate);
            Timed(() => _codec.Encode(_codec.TryDecodeBgr(jpeg)!, options.JpegQuality), ref _reencode);
        }

        public void Report(BenchResults results, double trackerMsPerFrame)
        {
            double Ms(double seconds) => seconds * 1000 / _frames;
            results.Add("privacy", "stage-grey-decode-ms-per-frame", Ms(_decode), "ms", trackerMsPerFrame);
            results.Add("privacy", "stage-cascade-ms-per-frame", Ms(_detect), "ms", trackerMsPerFrame);
            results.Add("privacy", "stage-pixelate-ms-per-frame", Ms(_pixelate), "ms", Ms(_reencode));
            results.Add("privacy", "stage-rest-ms-per-frame", Math.Max(0, trackerMsPerFrame - Ms(_decode + _detect + _pixelate)), "ms", trackerMsPerFrame);
        }

        public void Dispose()
        {
            _codec.Dispose();
            _pixelator.Dispose();
        }
    }
}
