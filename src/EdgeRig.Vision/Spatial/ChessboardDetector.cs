using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Vision.Spatial;

/// <summary>A checkerboard's size: inner corners along a row and a column, and the square's side. One count is odd and the
/// other even, and the square diagonally outside corner (0, 0) is black (the opposite one is then white): that fixes which
/// end of the board the corners are numbered from.</summary>
public sealed record ChessboardSpec(int Columns, int Rows, double SquareM)
{
    /// <summary>The board the rig file names (world.target, the board the lab holds).</summary>
    /// <exception cref="ArgumentException">the rig file has no board.</exception>
    public static ChessboardSpec Of(RigProfile rig) => rig.World.Target is { } t ? new(t.Columns, t.Rows, t.SquareM)
        : throw new ArgumentException($"rig '{rig.Name}' names no calibration board (world.target: columns, rows, squareM)");

    /// <summary>The inner corners in the board frame, row by row (OpenCV's order).</summary>
    public Point3f[] ObjectPoints() =>
        [.. from j in Enumerable.Range(0, Rows) from i in Enumerable.Range(0, Columns) select new Point3f((float)(i * SquareM), (float)(j * SquareM), 0)];
}

/// <summary>Every inner corner of the board found in one frame (sub-pixel), at the frame's rig time (ns since an origin).</summary>
public sealed record BoardDetection(long Sequence, double TimeNs, Point2f[] Corners);

/// <summary>
/// Finds the whole board in a camera's JPEG frames: FindChessboardCorners on a half-size decode (its quad search is the cost;
/// fast check rejects frames without a board), then CornerSubPix on the full-size image. Frames that show only part of the
/// board are not detections (the corners' order would be ambiguous); they count as <see cref="Result.Partial"/>.
/// </summary>
public static class ChessboardDetector
{
    /// <summary>Detections, and how many frames looked like part of a board (some corners found) without all of it.</summary>
    public sealed record Result(IReadOnlyList<BoardDetection> Detections, int FramesRead, int Partial);

    /// <summary>Detects the board in every frame (frames are independent: they are read on every core, results kept in order).</summary>
    public static Result Detect(IEnumerable<Sample> frames, RigTime origin, ChessboardSpec board)
    {
        var list = frames.ToList();
        var found = new (bool Read, bool Partial, BoardDetection? Detection)[list.Count];
        Parallel.For(0, list.Count, i => found[i] = DetectOne(list[i], origin, board));
        return new Result([.. found.Where(f => f.Detection is not null).Select(f => f.Detection!)], found.Count(f => f.Read), found.Count(f => f.Partial));
    }

    private static (bool Read, bool Partial, BoardDetection? Detection) DetectOne(Sample frame, RigTime origin, ChessboardSpec board)
    {
        using var full = Cv2.ImDecode(frame.Payload.Span, ImreadModes.Grayscale);
        if (full.Empty()) return (false, false, null);
        using var half = new Mat();
        Cv2.Resize(full, half, new Size(full.Width / 2, full.Height / 2), 0, 0, InterpolationFlags.Area);
        var size = new Size(board.Columns, board.Rows);
        const ChessboardFlags flags = ChessboardFlags.AdaptiveThresh | ChessboardFlags.NormalizeImage | ChessboardFlags.FastCheck;
        Point2f[] refined;
        if (Cv2.FindChessboardCorners(half, size, out Point2f[] corners, flags) && corners.Length == board.Columns * board.Rows)
            refined = [.. corners.Select(c => new Point2f(c.X * 2 + 0.5f, c.Y * 2 + 0.5f))]; // half-size pixel centres map to full size as 2x + 0.5
        else if (Cv2.FindChessboardCorners(full, size, out Point2f[] fullCorners, flags) && fullCorners.Length == board.Columns * board.Rows)
            refined = fullCorners; // a board held about a metre away and more has squares too small at half size
        else
            return (true, corners.Length > 0 || fullCorners.Length > 0, null);
        int window = Math.Clamp((int)(MinSpacing(refined, board) / 4), 2, 11);
        refined = Cv2.CornerSubPix(full, refined, new Size(window, window), new Size(-1, -1), new TermCriteria(CriteriaTypes.Eps | CriteriaTypes.MaxIter, 60, 0.001));
        // FindChessboardCorners may number from either end; the black outer corner square is corner 0's
        if (Outside(full, refined, 0, board.Columns + 1) > Outside(full, refined, refined.Length - 1, refined.Length - 2 - board.Columns)) Array.Reverse(refined);
        return (true, false, new BoardDetection(frame.Sequence, (frame.Rig.Time - origin).Nanoseconds, refined));
    }

    /// <summary>The grey level half a square diagonally outside corner <paramref name="corner"/>, away from its inner neighbour <paramref name="inner"/>.</summary>
    private static byte Outside(Mat grey, Point2f[] corners, int corner, int inner)
    {
        var c = corners[corner];
        var d = c - corners[inner];
        int x = Math.Clamp((int)Math.Round(c.X + d.X / 2), 0, grey.Width - 1), y = Math.Clamp((int)Math.Round(c.Y + d.Y / 2), 0, grey.Height - 1);
        return grey.At<byte>(y, x);
    }

    /// <summary>The smallest distance between neighbouring corners (the sub-pixel window must stay inside one square).</summary>
    private static double MinSpacing(Point2f[] c, ChessboardSpec board)
    {
        double min = double.MaxValue;
        for (int j = 0; j < board.Rows; j++)
            for (int i = 0; i < board.Columns; i++)
            {
                var p = c[j * board.Columns + i];
                if (i + 1 < board.Columns) min = Math.Min(min, p.DistanceTo(c[j * board.Columns + i + 1]));
                if (j + 1 < board.Rows) min = Math.Min(min, p.DistanceTo(c[(j + 1) * board.Columns + i]));
            }
        return min;
    }
}
