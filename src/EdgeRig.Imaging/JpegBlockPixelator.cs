using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeRig.Imaging;

/// <summary>A rectangle of an image in pixels.</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
}

/// <summary>
/// Pixelates rectangles of a JPEG without decoding it to pixels: a TurboJPEG lossless transform whose filter sees the DCT
/// coefficients. Each rectangle, grown out to the 8×8 block grid, is cut into cells of whole blocks; every block of a cell
/// gets the mean DC coefficient of the cell and no AC coefficients, so it decodes to one flat colour, the cell's mean, as an
/// area-mean pixelation would. Everything outside the rectangles keeps its coefficients: it decodes exactly as before (no
/// generation loss), and the work is an entropy decode and encode, no IDCT, DCT or colour conversion. The coefficients are
/// read once: a first transform without output gathers the cells' sums, the second sets them and writes the JPEG.
/// Not thread-safe: one instance per thread.
/// </summary>
public sealed unsafe class JpegBlockPixelator : IDisposable
{
    private readonly NativeBuffer _buffer = new();
    private TurboJpegHandle? _transformer;
    private bool _disposed;

    /// <summary>Cells across the longer side of a rectangle, rounded to whole blocks (at least one block of 8 pixels).</summary>
    public int Cells { get; }

    public JpegBlockPixelator(int cells = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cells, 1);
        Cells = cells;
    }

    /// <summary>
    /// The JPEG with <paramref name="rects"/> (image pixels, clipped to the image) pixelated, and each rectangle as pixelated
    /// (grown to the luma block grid). Null when the bytes are not a JPEG libjpeg can transform.
    /// </summary>
    public byte[]? TryPixelate(ReadOnlySpan<byte> jpeg, IReadOnlyList<PixelRect> rects, out PixelRect[] pixelated)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        pixelated = [];
        if (jpeg.Length < 4) return null;
        var transformer = Transformer;
        int width, height, subsampling;
        fixed (byte* source = jpeg)
        {
            if (TurboJpegNative.tjDecompressHeader3(transformer, source, (nuint)jpeg.Length, out width, out height, out subsampling, out _) != 0
                || width <= 0 || height <= 0)
            {
                Reset();
                return null;
            }
            var state = new FilterState(Cells, Clip(rects, width, height));
            nuint needed = TurboJpegNative.tjBufSize(width, height, subsampling);
            if (needed == unchecked((nuint)(-1)) || needed > int.MaxValue) return null;
            byte* buffer = _buffer.Get(needed);
            var handle = GCHandle.Alloc(state);
            try
            {
                var transforms = stackalloc TurboJpegNative.Transform[2];
                delegate* unmanaged[Cdecl]<short*, TurboJpegNative.Region, TurboJpegNative.Region, int, int, TurboJpegNative.Transform*, int> filter = &Filter;
                transforms[0] = new TurboJpegNative.Transform
                {
                    Options = TurboJpegNative.TransformNoOutput, Data = (void*)GCHandle.ToIntPtr(handle), CustomFilter = filter,
                };
                // no markers copied: an APP1 (Exif) thumbnail would still show the face
                transforms[1] = transforms[0] with { Options = TurboJpegNative.TransformCopyNone };
                byte** destinations = stackalloc byte*[2] { buffer, buffer };
                nuint* sizes = stackalloc nuint[2] { needed, needed };
                int rc = TurboJpegNative.tjTransform(transformer, source, (nuint)jpeg.Length, 2, destinations, sizes, transforms, TurboJpegNative.FlagNoRealloc);
                if (state.Failed || (rc != 0 && TurboJpegNative.tjGetErrorCode(transformer) == TurboJpegNative.ErrorFatal) || sizes[1] == 0)
                {
                    Reset();
                    return null;
                }
                if (rc != 0) Reset(); // a warning (slightly damaged data): the image is whole, the handle may not be
                pixelated = [.. Clip(state.Pixelated, width, height)]; // the block grid can run past the image's last pixels
                return new ReadOnlySpan<byte>(destinations[1], (int)sizes[1]).ToArray();
            }
            finally
            {
                handle.Free();
            }
        }
    }

    private static List<PixelRect> Clip(IReadOnlyList<PixelRect> rects, int width, int height)
    {
        var clipped = new List<PixelRect>(rects.Count);
        foreach (var r in rects)
        {
            int x0 = Math.Max(0, r.X), y0 = Math.Max(0, r.Y), x1 = Math.Min(width, r.Right), y1 = Math.Min(height, r.Bottom);
            if (x1 > x0 && y1 > y0) clipped.Add(new PixelRect(x0, y0, x1 - x0, y1 - y0));
        }
        return clipped;
    }

    /// <summary>Called by libjpeg for each row of 8×8 blocks of each component, in order; transform 0 gathers, 1 sets.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Filter(short* coefficients, TurboJpegNative.Region array, TurboJpegNative.Region plane, int component, int transform,
        TurboJpegNative.Transform* parameters)
    {
        var state = (FilterState)GCHandle.FromIntPtr((nint)parameters->Data).Target!;
        try
        {
            state.Row(coefficients, array, plane, component, gather: transform == 0);
            return 0;
        }
        catch (Exception)
        {
            state.Failed = true; // never let an exception unwind through libjpeg
            return -1;
        }
    }

    /// <summary>The cells of every rectangle in every component, their DC sums, and the rows libjpeg hands over.</summary>
    private sealed class FilterState
    {
        private readonly int _cells;
        private readonly List<PixelRect> _rects;
        private readonly Dictionary<int, Cells[]> _components = [];
        private int _lumaWidth, _lumaHeight;

        public FilterState(int cells, List<PixelRect> rects)
        {
            _cells = cells;
            _rects = rects;
            Pixelated = new PixelRect[rects.Count];
        }

        public PixelRect[] Pixelated { get; }
        public bool Failed;

        /// <summary>One rectangle in one component, in blocks: [Left, Right) × [Top, Bottom), cells of CellX × CellY blocks.</summary>
        private sealed record Cells(int Left, int Top, int Right, int Bottom, int CellX, int CellY)
        {
            public readonly long[] Sums = new long[((Right - Left + CellX - 1) / CellX) * ((Bottom - Top + CellY - 1) / CellY)];
            public readonly int[] Counts = new int[((Right - Left + CellX - 1) / CellX) * ((Bottom - Top + CellY - 1) / CellY)];
            public int Index(int bx, int by) => (by - Top) / CellY * ((Right - Left + CellX - 1) / CellX) + (bx - Left) / CellX;
        }

        public void Row(short* coefficients, TurboJpegNative.Region array, TurboJpegNative.Region plane, int component, bool gather)
        {
            if (!_components.TryGetValue(component, out var cells)) _components[component] = cells = Layout(plane, component);
            int by = array.Y / 8, blocksAcross = array.Width / 8;
            foreach (var c in cells)
            {
                if (by < c.Top || by >= c.Bottom) continue;
                for (int bx = c.Left; bx < c.Right && bx < blocksAcross; bx++)
                {
                    short* block = coefficients + bx * 64;
                    int i = c.Index(bx, by);
                    if (gather)
                    {
                        c.Sums[i] += block[0];
                        c.Counts[i]++;
                        continue;
                    }
                    block[0] = (short)Math.Round((double)c.Sums[i] / Math.Max(1, c.Counts[i]), MidpointRounding.AwayFromZero);
                    new Span<short>(block + 1, 63).Clear();
                }
            }
        }

        /// <summary>A plane's scale against the luma plane: 1, 1/2 or 1/4 (padded plane sizes only approximate it).</summary>
        private static double Sampling(int plane, int luma) =>
            luma <= 0 ? 1 : Math.Pow(2, -Math.Clamp(Math.Round(Math.Log2((double)luma / plane)), 0, 2));

        /// <summary>The rectangles in this component's blocks. The luma plane (component 0, seen first) is the pixel grid; a
        /// subsampled plane covers the same rectangle at its scale, with cells of the same size in image pixels (at least a block).</summary>
        private Cells[] Layout(TurboJpegNative.Region plane, int component)
        {
            if (component == 0) (_lumaWidth, _lumaHeight) = (plane.Width, plane.Height);
            double sx = Sampling(plane.Width, _lumaWidth), sy = Sampling(plane.Height, _lumaHeight);
            var cells = new Cells[_rects.Count];
            for (int i = 0; i < _rects.Count; i++)
            {
                var r = _rects[i];
                int left = (int)Math.Floor(r.X * sx / 8), top = (int)Math.Floor(r.Y * sy / 8);
                int right = (int)Math.Ceiling(r.Right * sx / 8), bottom = (int)Math.Ceiling(r.Bottom * sy / 8);
                double cellPixels = (double)Math.Max(r.Width, r.Height) / _cells;
                int cellX = Math.Max(1, (int)Math.Round(cellPixels * sx / 8)), cellY = Math.Max(1, (int)Math.Round(cellPixels * sy / 8));
                cells[i] = new Cells(left, top, right, bottom, cellX, cellY);
                if (component == 0) Pixelated[i] = new PixelRect(left * 8, top * 8, (right - left) * 8, (bottom - top) * 8);
            }
            return cells;
        }
    }

    private nint Transformer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _transformer ??= TurboJpegHandle.Transformer();
            return _transformer.DangerousGetHandle();
        }
    }

    /// <summary>After a failed call the handle may be mid-state: the next frame starts on a fresh one.</summary>
    private void Reset()
    {
        _transformer?.Dispose();
        _transformer = null;
    }

    public void Dispose()
    {
        _disposed = true;
        Reset();
        _buffer.Dispose();
    }
}
