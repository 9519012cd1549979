using OpenCvSharp;

namespace EdgeRig.Privacy;

/// <summary>
/// A frame after <see cref="FaceRedactor.RedactJpeg(ReadOnlySpan{byte})"/>: re-encoded with the faces redacted, or the
/// original bytes when no face was found (<see cref="Changed"/> false).
/// </summary>
public sealed record RedactedFrame(byte[] Jpeg, int Faces, TimeSpan Elapsed, bool Changed)
{
    /// <summary>The redacted regions (found faces grown by the margin, clipped to the frame), in frame pixels.</summary>
    public IReadOnlyList<Rect> Boxes { get; init; } = [];
}
