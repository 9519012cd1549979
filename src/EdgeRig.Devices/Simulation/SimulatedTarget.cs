using EdgeRig.Core;

namespace EdgeRig.Devices.Simulation;

/// <summary>
/// The calibration board of the simulated world (rig file "world.target") and the scripted motion around it: where the board
/// is at a time (keyframes it moves between with eased straight lines and slerp, and is held at), and the rig's own sway
/// (attitude and body rate) while the board is held still. The board frame is OpenCV's: corners at (i·square, j·square, 0), x
/// along a row, y down the columns, z away from the side the rig sees. Times are seconds since the world started.
/// </summary>
public sealed class SimulatedTarget
{
    private static readonly Rotation3 Facing = SensorPose.BodyFromOptical.Rotation;
    private readonly CalibrationTargetProfile _profile;
    private readonly RigidTransform[] _keyframes;

    public SimulatedTarget(CalibrationTargetProfile profile)
    {
        _profile = profile;
        double sq = profile.SquareM;
        var centre = new Vec3((profile.Columns - 1) * sq / 2, (profile.Rows - 1) * sq / 2, 0);
        _keyframes = profile.Path.Select(k =>
        {
            var rotation = (Facing * Rotation3.FromRotationVector(Math.PI / 180 * Vec3.From(k.TiltDeg))).Normalized();
            return new RigidTransform(rotation, Vec3.From(k.CenterM) - rotation.Apply(centre));
        }).ToArray();
        double margin = (1 + profile.MarginSquares) * sq;
        (MinX, MaxX, MinY, MaxY) = (-margin, (profile.Columns - 1) * sq + margin, -margin, (profile.Rows - 1) * sq + margin);
    }

    public CalibrationTargetProfile Profile => _profile;

    /// <summary>How long the script runs: until the last hold and the rig's sway have both ended.</summary>
    public double ScriptSeconds => Math.Max(_profile.Path.Count > 0 ? _profile.Path[^1].AtSeconds + _profile.Path[^1].HoldSeconds : 0,
        _profile.RigSway is { } w ? w.AtSeconds + w.DurationSeconds : 0);

    /// <summary>The board's physical extent in its own frame (the squares and the white margin).</summary>
    public double MinX { get; }
    public double MaxX { get; }
    public double MinY { get; }
    public double MaxY { get; }

    /// <summary>The inner corners in OpenCV's order (row by row), in the board frame.</summary>
    public IReadOnlyList<Vec3> Corners() =>
        [.. from j in Enumerable.Range(0, _profile.Rows) from i in Enumerable.Range(0, _profile.Columns) select new Vec3(i * _profile.SquareM, j * _profile.SquareM, 0)];

    /// <summary>What the board shows at (x, y) of its plane: 0 black, 1 white, -1 off the board.</summary>
    public int Shade(double x, double y)
    {
        if (x < MinX || x > MaxX || y < MinY || y > MaxY) return -1;
        double sq = _profile.SquareM;
        int i = (int)Math.Floor(x / sq), j = (int)Math.Floor(y / sq);
        if (i < -1 || j < -1 || i >= _profile.Columns || j >= _profile.Rows) return 1;
        return ((i + j) & 1) == 0 ? 0 : 1;
    }

    /// <summary>T_world_board at <paramref name="seconds"/>, or null while nobody holds the board up.</summary>
    public RigidTransform? WorldFromBoard(double seconds)
    {
        var path = _profile.Path;
        if (seconds < path[0].AtSeconds || seconds > path[^1].AtSeconds + path[^1].HoldSeconds) return null;
        for (int k = 0; k < path.Count; k++)
        {
            if (seconds <= path[k].AtSeconds + path[k].HoldSeconds) return _keyframes[k];
            if (k + 1 < path.Count && seconds < path[k + 1].AtSeconds)
            {
                double from = path[k].AtSeconds + path[k].HoldSeconds, f = (seconds - from) / (path[k + 1].AtSeconds - from);
                f = f * f * (3 - 2 * f); // eased: starts and stops without a jump in speed
                var a = _keyframes[k];
                var b = _keyframes[k + 1];
                return new RigidTransform(Rotation3.Slerp(a.Rotation, b.Rotation, f), a.Translation + f * (b.Translation - a.Translation));
            }
        }
        return _keyframes[^1];
    }

    /// <summary>R_world_rig at <paramref name="seconds"/>: the rig's sway, identity outside it.</summary>
    public Rotation3 WorldFromRig(double seconds) => Rotation3.FromRotationVector(SwayVector(seconds));

    /// <summary>The rig's angular velocity in its own frame (rad/s): what an IMU mounted square on the rig measures.</summary>
    public Vec3 RigRate(double seconds)
    {
        if (_profile.RigSway is not { } w || seconds < w.AtSeconds || seconds > w.AtSeconds + w.DurationSeconds) return Vec3.Zero;
        const double h = 1e-4;
        var delta = WorldFromRig(seconds - h).Inverse() * WorldFromRig(seconds + h);
        return 1 / (2 * h) * delta.ToRotationVector();
    }

    private Vec3 SwayVector(double seconds)
    {
        if (_profile.RigSway is not { } w) return Vec3.Zero;
        double tau = seconds - w.AtSeconds;
        if (tau <= 0 || tau >= w.DurationSeconds) return Vec3.Zero;
        double envelope = Math.Pow(Math.Sin(Math.PI * tau / w.DurationSeconds), 2) * Math.PI / 180;
        double Axis(int i) => envelope * w.AmplitudeDeg[i] * Math.Sin(2 * Math.PI * w.FrequencyHz[i] * tau);
        return new Vec3(Axis(0), Axis(1), Axis(2));
    }
}
