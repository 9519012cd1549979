using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeRig.Imaging;
using OpenCvSharp;

namespace EdgeRig.Privacy;

/// <summary>
/// Finds frontal faces with an OpenCV Haar cascade and redacts them in frames, irreversibly (coarse blocks of means).
/// Thread-safe: OpenCV's CascadeClassifier is not, so each call rents its own from a pool that grows to the number of
/// threads redacting at once (one cascade is a few MB). Dispose only after the last call has returned.
/// JPEG frames go through libjpeg-turbo: detection sees a grey decode (DCT-scaled toward <see cref="RedactionOptions.DetectScale"/>,
/// no colour work), and only a frame with a face is rewritten: pixelated in its DCT coefficients (nothing outside the boxes
/// changes), or for a blur decoded in colour and re-encoded.
/// </summary>
public sealed class FaceRedactor : IDisposable
{
    private readonly ConcurrentBag<CascadeClassifier> _cascades = [];
    private readonly ThreadLocal<JpegCodec> _codecs = new(() => new JpegCodec(accurate: true), trackAllValues: true);
    private readonly ThreadLocal<JpegBlockPixelator> _pixelators;
    private volatile bool _disposed;

    /// <exception cref="FileNotFoundException">the cascade file does not exist (the message names it).</exception>
    /// <exception cref="InvalidDataException">the file is not an OpenCV cascade.</exception>
    public FaceRedactor(RedactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _pixelators = new(() => new JpegBlockPixelator(options.Blocks), trackAllValues: true);
        _cascades.Add(LoadCascade(options.CascadePath)); // fail at start-up, not on the first frame with a person in it
    }

    public RedactionOptions Options { get; }

    /// <summary>Loads cascades until <paramref name="concurrentCallers"/> calls can run at once without loading one on a frame.</summary>
    public void Preload(int concurrentCallers)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrentCallers);
        while (_cascades.Count < concurrentCallers) _cascades.Add(LoadCascade(Options.CascadePath));
    }

    internal int PooledCascades => _cascades.Count;

    /// <summary>Faces in an 8-bit BGR frame, in frame pixels (as found, before the margin).</summary>
    public IReadOnlyList<Rect> Detect(Mat bgr)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Empty()) throw new ArgumentException("the frame is empty", nameof(bgr));
        if (bgr.Type() != MatType.CV_8UC3) throw new ArgumentException($"expected an 8-bit BGR frame (CV_8UC3), got {bgr.Type()}", nameof(bgr));

        using var grey = new Mat();
        Cv2.CvtColor(bgr, grey, ColorConversionCodes.BGR2GRAY);
        return DetectGrey(grey, 1, bgr.Size());
    }

    /// <summary>Faces in a JPEG frame, in frame pixels (as found, before the margin), and the frame's size. Detection sees a
    /// grey decode at the smallest DCT scaling (eighths) that keeps <see cref="RedactionOptions.DetectScale"/>: no colour work.</summary>
    /// <exception cref="CorruptJpegException">the bytes are not a decodable JPEG.</exception>
    public Rect[] DetectJpeg(ReadOnlySpan<byte> jpeg, out Size frameSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 || jpeg[2] != 0xFF)
            throw new CorruptJpegException($"not a JPEG: {jpeg.Length} bytes without the start-of-image marker FF D8 FF (first bytes {Convert.ToHexString(jpeg[..Math.Min(4, jpeg.Length)])})");
        var codec = _codecs.Value!;
        if (!codec.TryReadSize(jpeg, out int width, out int height))
            throw new CorruptJpegException($"JPEG of {jpeg.Length} bytes cannot be decoded: no readable frame header");
        frameSize = new Size(width, height);
        int eighths = Math.Clamp((int)Math.Ceiling(Options.DetectScale * 8 - 1e-9), 1, 8);
        var grey = codec.TryDecodeGreyEighths(jpeg, eighths) ?? throw new CorruptJpegException($"JPEG of {jpeg.Length} bytes cannot be decoded");
        using var greyMat = Mat.FromPixelData(grey.Height, grey.Width, MatType.CV_8UC1, grey.Pixels);
        return DetectGrey(greyMat, (double)grey.Width / width, frameSize);
    }

    /// <summary>Faces in a grey image that is the frame at <paramref name="decoded"/> of its size, in frame pixels.</summary>
    private Rect[] DetectGrey(Mat grey, double decoded, Size frameSize)
    {
        double scale = Options.DetectScale;
        double resize = scale / decoded; // what is left to shrink after the decoder's reduction
        using var small = new Mat();
        var image = grey;
        if (resize < 0.999)
        {
            Cv2.Resize(grey, small, new Size(), resize, resize, InterpolationFlags.Area);
            image = small;
        }
        else scale = decoded;
        Size? minSize = Options.MinFaceSize > 0 ? new Size((int)(Options.MinFaceSize * scale), (int)(Options.MinFaceSize * scale)) : null;

        var cascade = Rent();
        Rect[] found;
        try
        {
            found = Options.ScanInOctaves ? ScanOctaves(cascade, image, minSize)
                : cascade.DetectMultiScale(image, Options.ScaleFactor, Options.MinNeighbors, HaarDetectionTypes.ScaleImage, minSize);
        }
        finally { Return(cascade); }

        var frame = new Rect(0, 0, frameSize.Width, frameSize.Height);
        return found.Select(r =>
        {
            int x = (int)Math.Floor(r.X / scale), y = (int)Math.Floor(r.Y / scale);
            int right = (int)Math.Ceiling(r.Right / scale), bottom = (int)Math.Ceiling(r.Bottom / scale);
            return new Rect(x, y, right - x, bottom - y).Intersect(frame);
        }).ToArray();
    }

    /// <summary>
    /// The cascade over octaves of the image: the image, then halved, and so on, each scanned only for windows under twice the
    /// cascade's size. OpenCV moves the window in steps of 2 pixels on levels below twice the window and of 1 pixel above, where
    /// a face is larger and needs it least: in one pyramid, half the time goes to those 1-pixel levels. Octaves keep every
    /// level at 2 pixels. A face found in two octaves counts once, with the box that holds both.
    /// </summary>
    private Rect[] ScanOctaves(CascadeClassifier cascade, Mat image, Size? minSize)
    {
        var window = cascade.GetOriginalWindowSize();
        var below = new Size(window.Width * 2 - 1, window.Height * 2 - 1);
        var found = new List<Rect>();
        var level = image;
        int width = image.Width, height = image.Height;
        double k = 1; // this level's pixels per image pixel
        try
        {
            while (width >= window.Width && height >= window.Height)
            {
                var min = minSize is { } m ? new Size(Math.Max(window.Width, (int)(m.Width * k)), Math.Max(window.Height, (int)(m.Height * k))) : window;
                if (min.Width <= below.Width && min.Height <= below.Height)
                    foreach (var r in cascade.DetectMultiScale(level, Options.ScaleFactor, Options.MinNeighbors, HaarDetectionTypes.ScaleImage, min, below))
                    {
                        var box = new Rect((int)(r.X / k), (int)(r.Y / k), (int)Math.Ceiling(r.Width / k), (int)Math.Ceiling(r.Height / k));
                        var centre = new Point(box.X + box.Width / 2, box.Y + box.Height / 2);
                        int same = found.FindIndex(f => f.Contains(centre) || box.Contains(new Point(f.X + f.Width / 2, f.Y + f.Height / 2)));
                        if (same < 0) found.Add(box);
                        else found[same] = found[same].Union(box); // one face seen in two octaves: the box that holds both

                    }
                int half = (width + 1) / 2, halfHeight = (height + 1) / 2;
                var next = new Mat();
                Cv2.Resize(level, next, new Size(half, halfHeight), 0, 0, InterpolationFlags.Area);
                if (!ReferenceEquals(level, image)) level.Dispose();
                k *= (double)half / width;
                (level, width, height) = (next, half, halfHeight);
            }
        }
        finally
        {
            if (!ReferenceEquals(level, image)) level.Dispose();
        }
        return [.. found];
    }

    /// <summary>Redacts every face found in an 8-bit BGR frame, in place; returns the redacted boxes (grown by the margin).</summary>
    public IReadOnlyList<Rect> RedactInPlace(Mat bgr)
    {
        var boxes = Detect(bgr).Select(face => Grow(face, Options.Margin, bgr.Size())).Where(b => b.Width > 0 && b.Height > 0).ToArray();
        foreach (var box in boxes) Obscure(bgr, box);
        return boxes;
    }

    /// <summary>
    /// A JPEG frame with its faces redacted and re-encoded at <see cref="RedactionOptions.JpegQuality"/>; with no face, a copy of
    /// the original bytes (untouched: byte-identical).
    /// </summary>
    /// <exception cref="CorruptJpegException">the bytes are not a decodable JPEG.</exception>
    public RedactedFrame RedactJpeg(ReadOnlySpan<byte> jpeg) => Redact(jpeg, original: null);

    /// <summary>As <see cref="RedactJpeg(ReadOnlySpan{byte})"/>, but a frame with no face comes back as this same array (no copy).</summary>
    public RedactedFrame RedactJpeg(byte[] jpeg) => Redact(jpeg ?? throw new ArgumentNullException(nameof(jpeg)), jpeg);

    /// <summary>A face box grown by <paramref name="margin"/> of its size on each side, clipped to the frame.</summary>
    public static Rect Grow(Rect face, double margin, Size frame)
    {
        int dx = (int)Math.Ceiling(face.Width * margin), dy = (int)Math.Ceiling(face.Height * margin);
        return new Rect(face.X - dx, face.Y - dy, face.Width + 2 * dx, face.Height + 2 * dy).Intersect(new Rect(0, 0, frame.Width, frame.Height));
    }

    public void Dispose()
    {
        _disposed = true;
        while (_cascades.TryTake(out var cascade)) cascade.Dispose();
        foreach (var codec in _codecs.Values) codec.Dispose();
        _codecs.Dispose();
        foreach (var pixelator in _pixelators.Values) pixelator.Dispose();
        _pixelators.Dispose();
    }

    private RedactedFrame Redact(ReadOnlySpan<byte> jpeg, byte[]? original)
    {
        long start = Stopwatch.GetTimestamp();
        var faces = DetectJpeg(jpeg, out var size);
        var boxes = faces.Select(face => Grow(face, Options.Margin, size)).Where(b => b.Width > 0 && b.Height > 0).ToArray();
        return ObscureJpeg(jpeg, original, boxes, faces.Length, start);
    }

    /// <summary>The frame with <paramref name="boxes"/> (frame pixels, already grown and clipped) obscured and re-encoded; with
    /// no box, the original bytes untouched (<paramref name="original"/> itself when given, else a copy).</summary>
    internal RedactedFrame ObscureJpeg(ReadOnlySpan<byte> jpeg, byte[]? original, IReadOnlyList<Rect> boxes, int faces, long startTimestamp)
    {
        if (boxes.Count == 0) return new RedactedFrame(original ?? jpeg.ToArray(), 0, Stopwatch.GetElapsedTime(startTimestamp), Changed: false);
        if (Options is { Style: RedactionStyle.Pixelate, PixelateCoefficients: true })
        {
            var rects = boxes.Select(b => new PixelRect(b.X, b.Y, b.Width, b.Height)).ToArray();
            byte[] pixelated = _pixelators.Value!.TryPixelate(jpeg, rects, out var done)
                ?? throw new CorruptJpegException($"JPEG of {jpeg.Length} bytes cannot be transformed");
            return new RedactedFrame(pixelated, faces, Stopwatch.GetElapsedTime(startTimestamp), Changed: true)
            {
                Boxes = done.Select(r => new Rect(r.X, r.Y, r.Width, r.Height)).ToArray(),
            };
        }
        var codec = _codecs.Value!;
        var colour = codec.TryDecodeBgr(jpeg) ?? throw new CorruptJpegException($"JPEG of {jpeg.Length} bytes cannot be decoded");
        using (var frame = Mat.FromPixelData(colour.Height, colour.Width, MatType.CV_8UC3, colour.Pixels))
            foreach (var box in boxes) Obscure(frame, box);
        byte[] encoded = codec.Encode(colour, Options.JpegQuality);
        return new RedactedFrame(encoded, faces, Stopwatch.GetElapsedTime(startTimestamp), Changed: true) { Boxes = boxes };
    }

    /// <summary>Replaces a box by <see cref="RedactionOptions.Blocks"/> coarse blocks (area means), smoothed for <see cref="RedactionStyle.Blur"/>.</summary>
    private void Obscure(Mat bgr, Rect box)
    {
        using var roi = new Mat(bgr, box);
        int longer = Math.Max(box.Width, box.Height);
        var blocks = new Size(Math.Max(1, (int)Math.Round((double)Options.Blocks * box.Width / longer)), Math.Max(1, (int)Math.Round((double)Options.Blocks * box.Height / longer)));
        using var tiny = new Mat();
        Cv2.Resize(roi, tiny, blocks, 0, 0, InterpolationFlags.Area);
        if (Options.Style == RedactionStyle.Pixelate)
        {
            Cv2.Resize(tiny, roi, box.Size, 0, 0, InterpolationFlags.Nearest);
            return;
        }
        Cv2.Resize(tiny, roi, box.Size, 0, 0, InterpolationFlags.Linear);
        int kernel = (longer / Options.Blocks) | 1;
        Cv2.GaussianBlur(roi, roi, new Size(kernel, kernel), 0);
    }

    private CascadeClassifier Rent() => _cascades.TryTake(out var cascade) ? cascade : LoadCascade(Options.CascadePath);

    private void Return(CascadeClassifier cascade)
    {
        if (_disposed) cascade.Dispose();
        else _cascades.Add(cascade);
    }

    private static CascadeClassifier LoadCascade(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"face cascade '{path}' not found (Debian: apt install opencv-data)", path);
        CascadeClassifier cascade;
        try { cascade = new CascadeClassifier(path); }
        catch (OpenCVException e) { throw new InvalidDataException($"face cascade '{path}' cannot be read: {e.Message}"); }
        if (cascade.Empty())
        {
            cascade.Dispose();
            throw new InvalidDataException($"face cascade '{path}' is not an OpenCV cascade file");
        }
        return cascade;
    }
}
