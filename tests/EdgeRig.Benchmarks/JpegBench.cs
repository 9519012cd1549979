using EdgeRig.Imaging;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `jpeg`: libjpeg-turbo through EdgeRig.Imaging against OpenCV's imdecode/imencode on the same 720p frames (the shared test
/// photos scaled into a 1280×720 frame, q85), CPU milliseconds per frame on one thread (OpenCV limited to one), medians of
/// interleaved runs. Value: TurboJPEG; baseline: OpenCV; ratio below 1 means TurboJPEG is cheaper.
/// Rows: the analysis decode (grey at 1/8, camera QA), the thumbnail/flash decode (colour at 1/4), the full colour decode and
/// re-encode that redaction does on a frame with a face, and the encode a camera twin does per frame.
/// </summary>
public static class JpegBench
{
    public static void Run(double seconds, BenchResults results, int runs = 5)
    {
        string dir = PrivacyBench.TestDataDirectory();
        byte[][] frames = new[] { "messi5.jpg", "baboon.jpg" }.Select(name =>
        {
            using var photo = Cv2.ImRead(Path.Combine(dir, name), ImreadModes.Color);
            return PrivacyBench.Frame(photo, 1280, 720);
        }).ToArray();
        using var bgr = Cv2.ImDecode(frames[1], ImreadModes.Color);
        var turboBgr = new BgrImage(bgr.Width, bgr.Height);
        System.Runtime.InteropServices.Marshal.Copy(bgr.Data, turboBgr.Pixels, 0, turboBgr.Pixels.Length);
        using var fast = new JpegCodec();
        using var accurate = new JpegCodec(accurate: true);
        int next = 0;
        byte[] Next() => frames[next++ % frames.Length];

        var cases = new (string Metric, Action Turbo, Action OpenCv)[]
        {
            ("decode-grey-1/8-720p-ms", () => fast.TryDecodeGrey(Next(), 8), () => Cv2.ImDecode(Next(), ImreadModes.ReducedGrayscale8).Dispose()),
            ("decode-colour-1/4-720p-ms", () => fast.TryDecodeBgr(Next(), 4), () => Cv2.ImDecode(Next(), ImreadModes.ReducedColor4).Dispose()),
            ("decode+encode-720p-ms", () => accurate.Encode(accurate.TryDecodeBgr(Next())!, 85), () =>
            {
                using var m = Cv2.ImDecode(Next(), ImreadModes.Color);
                Cv2.ImEncode(".jpg", m, out _, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
            }),
            ("encode-720p-ms", () => fast.Encode(turboBgr, 80), () => Cv2.ImEncode(".jpg", bgr, out _, new ImageEncodingParam(ImwriteFlags.JpegQuality, 80))),
        };
        int openCvThreads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(1);
        try
        {
            double slice = seconds / (2 * cases.Length * runs);
            var turbo = cases.Select(_ => new List<double>()).ToArray();
            var openCv = cases.Select(_ => new List<double>()).ToArray();
            for (int run = 0; run < runs; run++)
                for (int i = 0; i < cases.Length; i++)
                {
                    turbo[i].Add(1000 / PrivacyBench.Rate(slice, 3, cases[i].Turbo));
                    openCv[i].Add(1000 / PrivacyBench.Rate(slice, 3, cases[i].OpenCv));
                }
            for (int i = 0; i < cases.Length; i++)
                results.Add("jpeg", cases[i].Metric, PrivacyBench.Median(turbo[i]), "ms/frame", PrivacyBench.Median(openCv[i]));
        }
        finally
        {
            Cv2.SetNumThreads(openCvThreads);
        }
    }
}
