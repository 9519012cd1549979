using System.Diagnostics;
using OpenCvSharp;

namespace EdgeRig.Privacy;

/// <summary>How a <see cref="TrackingFaceRedactor"/> spends the detector between frames.</summary>
public sealed record FaceTrackingOptions
{
    /// <summary>The detector runs on every k-th frame (1: every frame); the frames between carry the tracked boxes.</summary>
    public int DetectEvery { get; init; } = 3;

    /// <summary>How far a face seen only once may move per frame, in frame pixels (400 px/s at 30 fps is 13.3).</summary>
    public double MaxSpeedPxPerFrame { get; init; } = 16;

    /// <summary>A face found at two detections or more survives this many detections in which it is not found again (a
    /// detector miss is not an exit). A box found only once ends at the first detection that does not find it again: most
    /// false alarms are one-offs, and a real face is found again.</summary>
    public int KeepMissedDetections { get; init; } = 2;

    internal void Validate()
    {
        if (DetectEvery is < 1 or > 30) throw new ArgumentOutOfRangeException(nameof(DetectEvery), DetectEvery, "must be in [1, 30]");
        if (!(MaxSpeedPxPerFrame >= 0)) throw new ArgumentOutOfRangeException(nameof(MaxSpeedPxPerFrame), MaxSpeedPxPerFrame, "must be 0 or more");
        if (KeepMissedDetections < 0) throw new ArgumentOutOfRangeException(nameof(KeepMissedDetections), KeepMissedDetections, "must be 0 or more");
    }
}

/// <summary>
/// Redaction at capture for one camera stream, in real time: the detector (a grey, DCT-scaled decode and the Haar cascade)
/// runs on every k-th frame only; between detections each face's box is carried forward, covering where it was and where the
/// motion seen between its last two detections takes it, grown every frame by the uncertainty of that motion — never shrunk
/// until the next detection. A frame with no box passes through byte-identical and is not even decoded; only frames with a
/// box are decoded in colour, obscured and re-encoded. Stateful: one instance per stream, called in frame order.
/// </summary>
public sealed class TrackingFaceRedactor
{
    private readonly FaceRedactor _detector;
    private readonly FaceTrackingOptions _options;
    private readonly List<Track> _tracks = [];
    private Size _frameSize;
    private long _frame;

    private sealed class Track(Rect2d box)
    {
        public Rect2d Box = box;          // where it was last detected
        public Point2d Velocity;          // px per frame, from its last two detections
        public bool VelocityKnown;
        public int Age;                   // frames since it was last detected
        public int Misses;                // detections since, in which it was not found
        public int Seen = 1;              // detections that found it

        public Point2d Centre => new(Box.X + Box.Width / 2, Box.Y + Box.Height / 2);

        /// <summary>The last box and the box moved by the motion seen, together, grown by the motion's uncertainty: a set
        /// that only grows with the age, so a box is never shrunk between detections.</summary>
        public Rect2d Predicted(double maxSpeed)
        {
            double uncertainty = VelocityKnown ? 0.5 * Math.Sqrt(Velocity.X * Velocity.X + Velocity.Y * Velocity.Y) + 2 : maxSpeed;
            double dx = Velocity.X * Age, dy = Velocity.Y * Age, grow = uncertainty * Age;
            double left = Math.Min(Box.Left, Box.Left + dx) - grow, top = Math.Min(Box.Top, Box.Top + dy) - grow;
            double right = Math.Max(Box.Right, Box.Right + dx) + grow, bottom = Math.Max(Box.Bottom, Box.Bottom + dy) + grow;
            return new Rect2d(left, top, right - left, bottom - top);
        }
    }

    public TrackingFaceRedactor(FaceRedactor detector, FaceTrackingOptions? options = null)
    {
        _detector = detector;
        _options = options ?? new FaceTrackingOptions();
        _options.Validate();
    }

    /// <summary>Faces being tracked (for tests and the redaction report).</summary>
    public int Tracks => _tracks.Count;

    /// <summary>The next frame of the stream, redacted where a tracked face is or may be.</summary>
    /// <exception cref="CorruptJpegException">a frame the detector had to read is not a decodable JPEG.</exception>
    public RedactedFrame Redact(ReadOnlyMemory<byte> jpeg)
    {
        long start = Stopwatch.GetTimestamp();
        bool detect = _frame++ % _options.DetectEvery == 0;
        int faces = 0;
        foreach (var t in _tracks) t.Age++;
        if (detect)
        {
            var found = _detector.DetectJpeg(jpeg.Span, out _frameSize);
            faces = found.Length;
            Update(found);
        }
        var boxes = _tracks
            .Select(t => Clip(t.Age == 0 ? t.Box : t.Predicted(_options.MaxSpeedPxPerFrame)))
            .Select(b => FaceRedactor.Grow(b, _detector.Options.Margin, _frameSize))
            .Where(b => b.Width > 0 && b.Height > 0)
            .ToArray();
        byte[]? whole = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(jpeg, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array : null;
        return _detector.ObscureJpeg(jpeg.Span, whole, boxes, faces, start);
    }

    /// <summary>Matches each detection to the track whose predicted box holds its centre (else the nearest within two face
    /// sizes); matched tracks learn their velocity, new faces start tracks, and tracks missed too often end.</summary>
    private void Update(Rect[] found)
    {
        var unmatched = new List<Track>(_tracks);
        foreach (var face in found)
        {
            var box = new Rect2d(face.X, face.Y, face.Width, face.Height);
            var centre = new Point2d(box.X + box.Width / 2, box.Y + box.Height / 2);
            Track? best = null;
            double bestDistance = double.MaxValue;
            foreach (var t in unmatched)
            {
                var predicted = t.Predicted(_options.MaxSpeedPxPerFrame);
                double distance = Math.Sqrt(Math.Pow(t.Centre.X + t.Velocity.X * t.Age - centre.X, 2) + Math.Pow(t.Centre.Y + t.Velocity.Y * t.Age - centre.Y, 2));
                bool inside = predicted.Contains(centre);
                if ((inside || distance < 2 * Math.Max(box.Width, t.Box.Width)) && distance < bestDistance)
                {
                    best = t;
                    bestDistance = distance;
                }
            }
            if (best is null)
            {
                _tracks.Add(new Track(box));
                continue;
            }
            unmatched.Remove(best);
            var previous = best.Centre;
            best.Velocity = new Point2d((centre.X - previous.X) / best.Age, (centre.Y - previous.Y) / best.Age);
            best.VelocityKnown = true;
            best.Box = box;
            best.Age = 0;
            best.Misses = 0;
            best.Seen++;
        }
        foreach (var t in unmatched)
            if (++t.Misses > (t.Seen >= 2 ? _options.KeepMissedDetections : 0)) _tracks.Remove(t);
    }

    private Rect Clip(Rect2d b)
    {
        int left = (int)Math.Floor(b.Left), top = (int)Math.Floor(b.Top);
        int right = (int)Math.Ceiling(b.Right), bottom = (int)Math.Ceiling(b.Bottom);
        return new Rect(left, top, right - left, bottom - top).Intersect(new Rect(0, 0, _frameSize.Width, _frameSize.Height));
    }
}
