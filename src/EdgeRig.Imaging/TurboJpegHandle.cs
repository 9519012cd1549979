using System.Runtime.InteropServices;

namespace EdgeRig.Imaging;

/// <summary>A TurboJPEG instance (tjInit*), destroyed when disposed or finalized.</summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    private TurboJpegHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    /// <summary>A transformer (lossless transforms).</summary>
    public static TurboJpegHandle Transformer()
    {
        nint handle = TurboJpegNative.tjInitTransform();
        if (handle == 0) throw new InvalidOperationException("libturbojpeg could not create a transform handle");
        return new TurboJpegHandle(handle);
    }

    protected override bool ReleaseHandle() => TurboJpegNative.tjDestroy(handle) == 0;
}
