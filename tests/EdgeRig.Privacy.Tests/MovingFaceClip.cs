using OpenCvSharp;

namespace EdgeRig.Privacy.Tests;

/// <summary>
/// The moving-face benchmark clip (#18), also linked into scripts/bench: the face of a test photo cut out (with its head
/// around it) and composited into 1280×720 frames at 30 fps on a plain background, its size sweeping 40–240 px over the
/// clip and its centre moving on a Lissajous path at up to ~330 px/s. The true face box of every frame is known.
/// </summary>
internal sealed class MovingFaceClip : IDisposable
{
    public const int Width = 1280, Height = 720, Fps = 30;
    private readonly Mat _cutout;
    private readonly Rect _faceInCutout;
    private readonly int _frames, _minSize, _maxSize;

    /// <param name="photo">the source photo (BGR).</param>
    /// <param name="face">the face's box in the photo; the cutout adds half its size around it.</param>
    public MovingFaceClip(Mat photo, Rect face, int frames, int minSize = 40, int maxSize = 240)
    {
        var around = new Rect(face.X - face.Width / 2, face.Y - face.Height / 2, face.Width * 2, face.Height * 2).Intersect(new Rect(0, 0, photo.Width, photo.Height));
        _cutout = new Mat(photo, around).Clone();
        _faceInCutout = new Rect(face.X - around.X, face.Y - around.Y, face.Width, face.Height);
        (_frames, _minSize, _maxSize) = (frames, minSize, maxSize);
    }

    public int Frames => _frames;

    /// <summary>Frame k as a q85 JPEG and the true box of the face in it.</summary>
    public (byte[] Jpeg, Rect Face) Frame(int k)
    {
        double t = (double)k / Fps;
        double size = _minSize + (_maxSize - _minSize) * (0.5 - 0.5 * Math.Cos(2 * Math.PI * k / _frames));
        double scale = size / _faceInCutout.Width;
        var patchSize = new Size(Math.Max(1, (int)Math.Round(_cutout.Width * scale)), Math.Max(1, (int)Math.Round(_cutout.Height * scale)));
        double cx = Width / 2.0 + 400 * Math.Sin(0.7 * t), cy = Height / 2.0 + 120 * Math.Sin(1.5 * t); // ≤ 330 px/s
        int x = (int)Math.Round(cx - patchSize.Width / 2.0), y = (int)Math.Round(cy - patchSize.Height / 2.0);
        using var frame = new Mat(Height, Width, MatType.CV_8UC3, new Scalar(90, 100, 110));
        using var patch = new Mat();
        Cv2.Resize(_cutout, patch, patchSize, 0, 0, InterpolationFlags.Linear);
        var target = new Rect(x, y, patch.Width, patch.Height).Intersect(new Rect(0, 0, Width, Height));
        using (var source = new Mat(patch, new Rect(target.X - x, target.Y - y, target.Width, target.Height)))
        using (var destination = new Mat(frame, target))
            source.CopyTo(destination);
        var face = new Rect(x + (int)Math.Floor(_faceInCutout.X * scale), y + (int)Math.Floor(_faceInCutout.Y * scale),
            (int)Math.Ceiling(_faceInCutout.Width * scale), (int)Math.Ceiling(_faceInCutout.Height * scale));
        Cv2.ImEncode(".jpg", frame, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
        return (jpeg, face);
    }

    /// <summary>Whether the redaction covered the whole true box (one box holds it).</summary>
    public static bool Covered(RedactedFrame frame, Rect face) =>
        frame.Changed && frame.Boxes.Any(b => b.Contains(face.TopLeft) && b.Contains(new Point(face.Right - 1, face.Bottom - 1)));

    public void Dispose() => _cutout.Dispose();
}
