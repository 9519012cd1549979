using EdgeRig.Calibration;
using EdgeRig.Core;

namespace EdgeRig.Vision.Spatial;

/// <summary>A camera-LIDAR pose (T_camera_lidar), the RMS distance of the LIDAR's board points from the camera's board planes,
/// the still views and points used.</summary>
public sealed record LidarFit(RigidTransform CameraFromLidar, double PlaneRmsM, int Views, int Points);

/// <summary>
/// Camera-to-LIDAR pose from the board plane (a 2-D LIDAR's scan crosses the board in a line that must lie in the plane the
/// camera sees), over still views: the board's points in each scan are those much nearer than the scene behind them (the
/// far end of each bearing's ranges over the session), in the longest contiguous run of bearings (across bearing zero). A linear solve of nᵀ[r1 r2 t](x, y, 1) = d gives
/// the start; Gauss-Newton on rotation and translation minimises the point-to-plane distances.
/// </summary>
public static class LidarPlaneSolver
{
    /// <summary>One still view: the board plane in the camera (unit normal n, n·X = d) and the LIDAR's points on it (x, y).</summary>
    public sealed record PlaneView(Vec3 Normal, double Distance, IReadOnlyList<(double X, double Y)> Points);

    /// <summary>Pairs every scan lying wholly inside a still run (with <paramref name="marginNs"/> to spare) with that run's plane.</summary>
    public static IReadOnlyList<(int Run, PlaneView View)> Views(IReadOnlyList<Sample> scans, RigTime origin, IReadOnlyList<StillRun> runs, double marginNs)
    {
        var decoded = scans.Select(s => Payloads.LidarPoints(s, origin).ToArray()).Where(p => p.Length > 0).ToList();
        if (decoded.Count == 0) return [];
        var background = Background(decoded);
        var views = new List<(int, PlaneView)>();
        foreach (var points in decoded)
        {
            var board = BoardRun(points, background);
            if (board.Count < 5) continue;
            double from = board.Min(p => p.TimeNs), to = board.Max(p => p.TimeNs);
            int run = -1;
            for (int r = 0; r < runs.Count; r++)
                if (from >= runs[r].StartNs + marginNs && to <= runs[r].EndNs - marginNs) run = r;
            if (run < 0) continue;
            var pose = runs[run].Middle.CameraFromBoard;
            var normal = pose.Rotation.Apply(new Vec3(0, 0, 1));
            views.Add((run, new PlaneView(normal, normal.Dot(pose.Translation), [.. board.Select(p => (p.RangeM * Math.Cos(p.AngleRad), p.RangeM * Math.Sin(p.AngleRad)))])));
        }
        return views;
    }

    /// <summary>
    /// The scene behind the board, per bearing: the far end (90th percentile) of up to 300 scans' ranges spread over the session.
    /// Not the median: the lab holds the board in front of the LIDAR most of the session, so at the bearings straight ahead the
    /// median range is the board itself, and the board's line was cut short to the bearings where it was held less often.
    /// </summary>
    private static double[] Background(IReadOnlyList<Payloads.LidarPoint[]> scans)
    {
        int n = scans.Min(p => p.Length), every = Math.Max(1, scans.Count / 300);
        var background = new double[n];
        for (int i = 0; i < n; i++)
        {
            var ranges = scans.Where((_, k) => k % every == 0).Select(p => p[i].RangeM).Order().ToArray();
            background[i] = ranges[(int)(0.9 * (ranges.Length - 1))];
        }
        return background;
    }

    /// <summary>
    /// The longest run of points (by bearing, one missing point allowed) well in front of the background, its ends dropped. The
    /// scan is a circle: a board straight ahead lies across the first and last bearing, and is one run, not two.
    /// </summary>
    private static List<Payloads.LidarPoint> BoardRun(Payloads.LidarPoint[] points, double[] background)
    {
        int n = background.Length;
        bool OnBoard(int i) => points[i].RangeM > 0.05 && points[i].RangeM < background[i] - 0.15;
        // start where a run cannot continue from the bearings before it (three in a row off the board)
        int start = Enumerable.Range(0, n).FirstOrDefault(i => !OnBoard(i) && !OnBoard((i + n - 1) % n) && !OnBoard((i + n - 2) % n), -1);
        if (start < 0) return [];
        List<Payloads.LidarPoint> best = [], current = [];
        int last = -10;
        for (int k = 0; k < n; k++)
        {
            int i = (start + k) % n;
            if (!OnBoard(i)) continue;
            if (k - last > 2) current = [];
            current.Add(points[i]);
            last = k;
            if (current.Count > best.Count) best = current;
        }
        return best.Count > 2 ? best.GetRange(1, best.Count - 2) : [];
    }

    /// <exception cref="InvalidOperationException">the views do not determine the pose (too few, or planes too alike).</exception>
    public static LidarFit Solve(IReadOnlyList<PlaneView> views, int distinctViews)
    {
        // linear start: unknown h = [r1 r2 t] row-major, one equation per point
        var ata = new double[9, 9];
        var atb = new double[9];
        foreach (var v in views)
            foreach (var (x, y) in v.Points)
            {
                var row = new double[9];
                double[] n = [v.Normal.X, v.Normal.Y, v.Normal.Z], q = [x, y, 1];
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++) row[3 * a + b] = n[a] * q[b];
                for (int i = 0; i < 9; i++)
                {
                    atb[i] += row[i] * v.Distance;
                    for (int j = 0; j < 9; j++) ata[i, j] += row[i] * row[j];
                }
            }
        var h = LinearAlgebra.Solve(ata, atb);
        var r1 = new Vec3(h[0], h[3], h[6]);
        var r2 = new Vec3(h[1], h[4], h[7]);
        var r3 = r1.Cross(r2);
        var rotation = LinearAlgebra.NearestRotation(new[,] { { r1.X, r2.X, r3.X }, { r1.Y, r2.Y, r3.Y }, { r1.Z, r2.Z, r3.Z } });
        var pose = new RigidTransform(rotation, new Vec3(h[2], h[5], h[8]));
        for (int iteration = 0; iteration < 20; iteration++)
        {
            var jtj = new double[6, 6];
            var jtr = new double[6];
            foreach (var v in views)
                foreach (var (x, y) in v.Points)
                {
                    var p = pose.Rotation.Apply(new Vec3(x, y, 0));
                    double residual = v.Normal.Dot(p + pose.Translation) - v.Distance;
                    var dTheta = p.Cross(v.Normal); // d residual / d(small rotation applied on the left)
                    double[] j = [dTheta.X, dTheta.Y, dTheta.Z, v.Normal.X, v.Normal.Y, v.Normal.Z];
                    for (int a = 0; a < 6; a++)
                    {
                        jtr[a] -= j[a] * residual;
                        for (int b = 0; b < 6; b++) jtj[a, b] += j[a] * j[b];
                    }
                }
            var step = LinearAlgebra.Solve(jtj, jtr);
            pose = new RigidTransform((Rotation3.FromRotationVector(new Vec3(step[0], step[1], step[2])) * pose.Rotation).Normalized(),
                pose.Translation + new Vec3(step[3], step[4], step[5]));
            if (Math.Abs(step[0]) + Math.Abs(step[1]) + Math.Abs(step[2]) < 1e-10 && Math.Abs(step[3]) + Math.Abs(step[4]) + Math.Abs(step[5]) < 1e-10) break;
        }
        double sum = 0;
        int count = 0;
        foreach (var v in views)
            foreach (var (x, y) in v.Points)
            {
                double residual = v.Normal.Dot(pose.Apply(new Vec3(x, y, 0))) - v.Distance;
                sum += residual * residual;
                count++;
            }
        return new LidarFit(pose, Math.Sqrt(sum / count), distinctViews, count);
    }
}
