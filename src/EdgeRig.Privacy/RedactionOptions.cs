namespace EdgeRig.Privacy;

/// <summary>How a found face is made unrecognisable.</summary>
public enum RedactionStyle
{
    /// <summary>Coarse blocks, each the mean of the pixels it covers.</summary>
    Pixelate,
    /// <summary>Coarse blocks smoothed into a blur (downsampled first, so no deconvolution can bring the face back).</summary>
    Blur,
}

/// <summary>Face detection and redaction settings of a <see cref="FaceRedactor"/>.</summary>
public sealed record RedactionOptions
{
    /// <summary>OpenCV's frontal-face Haar cascade as Debian's opencv-data installs it.</summary>
    public const string DebianFrontalFaceCascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

    /// <summary>Haar cascade file (rig file "privacy.faceCascade").</summary>
    public string CascadePath { get; init; } = DebianFrontalFaceCascade;

    /// <summary>
    /// Detection runs on a grey copy scaled by this factor, for speed. The cascade's window is 24 px, so the smallest face
    /// found is about 24 / DetectScale frame pixels: measured with the default cascade, 46 px at 0.5, 34 px at 0.67, 26 px at 1.
    /// 0.67 finds the 37-px face of the test photo; time grows with the square of the scale.
    /// </summary>
    public double DetectScale { get; init; } = 0.67;

    /// <summary>Smallest face to look for, in frame pixels; 0: as small as the cascade window at <see cref="DetectScale"/> allows.</summary>
    public int MinFaceSize { get; init; }

    /// <summary>Each found box grows by this fraction of its width (height) on the left and right (top and bottom).</summary>
    public double Margin { get; init; } = 0.15;

    public RedactionStyle Style { get; init; } = RedactionStyle.Pixelate;

    /// <summary>Blocks across the longer side of a grown box: fewer is coarser.</summary>
    public int Blocks { get; init; } = 6;

    /// <summary>Quality of the re-encoded JPEG of a frame that had a face.</summary>
    public int JpegQuality { get; init; } = 85;

    /// <summary>Cascade pyramid step (OpenCV's scaleFactor): smaller finds more faces, slower.</summary>
    public double ScaleFactor { get; init; } = 1.1;

    /// <summary>Overlapping detections needed to accept a face (OpenCV's minNeighbors): smaller finds more, with more false alarms.</summary>
    public int MinNeighbors { get; init; } = 3;

    /// <summary>
    /// Scan the cascade in octaves (the grey image, then halved, and so on), every level with OpenCV's 2-pixel window step:
    /// about a third less time than one pyramid, whose levels past twice the window are scanned at every pixel, with the same
    /// faces found on the moving-face clip (#18). False: OpenCV's one pyramid, as before.
    /// </summary>
    public bool ScanInOctaves { get; init; } = true;

    /// <summary>
    /// Pixelate JPEG frames in their DCT coefficients (<see cref="EdgeRig.Imaging.JpegBlockPixelator"/>: cells of whole 8×8 blocks,
    /// nothing outside the boxes changes, no decode to pixels), about half the time of a decode and re-encode. False: decode,
    /// pixelate the pixels, re-encode at <see cref="JpegQuality"/>. A <see cref="RedactionStyle.Blur"/> is always done on pixels.
    /// </summary>
    public bool PixelateCoefficients { get; init; } = true;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(CascadePath)) throw new ArgumentException("CascadePath is empty", nameof(CascadePath));
        if (!(DetectScale > 0 && DetectScale <= 1)) throw new ArgumentOutOfRangeException(nameof(DetectScale), DetectScale, "must be in (0, 1]");
        if (MinFaceSize < 0) throw new ArgumentOutOfRangeException(nameof(MinFaceSize), MinFaceSize, "must be 0 or more");
        if (!(Margin >= 0 && Margin <= 2)) throw new ArgumentOutOfRangeException(nameof(Margin), Margin, "must be in [0, 2]");
        if (Blocks is < 2 or > 32) throw new ArgumentOutOfRangeException(nameof(Blocks), Blocks, "must be in [2, 32]");
        if (JpegQuality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(JpegQuality), JpegQuality, "must be in [1, 100]");
        if (!(ScaleFactor > 1)) throw new ArgumentOutOfRangeException(nameof(ScaleFactor), ScaleFactor, "must be above 1");
        if (MinNeighbors < 1) throw new ArgumentOutOfRangeException(nameof(MinNeighbors), MinNeighbors, "must be 1 or more");
        if (!Enum.IsDefined(Style)) throw new ArgumentOutOfRangeException(nameof(Style), Style, "not a redaction style");
    }
}
