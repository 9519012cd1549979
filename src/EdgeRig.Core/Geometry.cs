namespace EdgeRig.Core;

/// <summary>A 3-D vector in metres (or rad/s for rates), in doubles: spatial calibration needs sub-millimetre arithmetic that
/// System.Numerics' floats cannot promise over many compositions.</summary>
public readonly record struct Vec3(double X, double Y, double Z)
{
    public static readonly Vec3 Zero = new(0, 0, 0);

    public static Vec3 operator +(Vec3 a, Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Vec3 operator -(Vec3 a, Vec3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
    public static Vec3 operator -(Vec3 a) => new(-a.X, -a.Y, -a.Z);
    public static Vec3 operator *(double s, Vec3 a) => new(s * a.X, s * a.Y, s * a.Z);

    public double Dot(Vec3 b) => X * b.X + Y * b.Y + Z * b.Z;
    public Vec3 Cross(Vec3 b) => new(Y * b.Z - Z * b.Y, Z * b.X - X * b.Z, X * b.Y - Y * b.X);
    public double Length => Math.Sqrt(Dot(this));
    public Vec3 Normalized() => 1 / Length * this;

    /// <summary>The three components in order, for JSON and matrices.</summary>
    public double[] ToArray() => [X, Y, Z];

    public static Vec3 From(IReadOnlyList<double> v) => v.Count == 3 ? new(v[0], v[1], v[2]) : throw new ArgumentException($"a 3-vector needs 3 values, got {v.Count}");
}

/// <summary>A rotation as a unit quaternion (w, x, y, z). Composition and inversion stay exact without re-orthogonalising matrices.</summary>
public readonly record struct Rotation3(double W, double X, double Y, double Z)
{
    public static readonly Rotation3 Identity = new(1, 0, 0, 0);

    /// <summary>From a rotation vector (axis times angle, radians).</summary>
    public static Rotation3 FromRotationVector(Vec3 v)
    {
        double angle = v.Length;
        if (angle < 1e-12) return new Rotation3(1, v.X / 2, v.Y / 2, v.Z / 2).Normalized();
        double s = Math.Sin(angle / 2) / angle;
        return new Rotation3(Math.Cos(angle / 2), v.X * s, v.Y * s, v.Z * s);
    }

    /// <summary>The rotation vector (radians), angle in [0, π].</summary>
    public Vec3 ToRotationVector()
    {
        var q = W < 0 ? new Rotation3(-W, -X, -Y, -Z) : this;
        double sinHalf = Math.Sqrt(q.X * q.X + q.Y * q.Y + q.Z * q.Z);
        if (sinHalf < 1e-12) return new Vec3(2 * q.X, 2 * q.Y, 2 * q.Z);
        double angle = 2 * Math.Atan2(sinHalf, q.W);
        return angle / sinHalf * new Vec3(q.X, q.Y, q.Z);
    }

    /// <summary>From a row-major rotation matrix (Shepperd's method: the largest diagonal term keeps it well conditioned).</summary>
    public static Rotation3 FromMatrix(double[,] m)
    {
        double trace = m[0, 0] + m[1, 1] + m[2, 2];
        Rotation3 q;
        if (trace > 0)
        {
            double s = 2 * Math.Sqrt(1 + trace);
            q = new(s / 4, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s);
        }
        else if (m[0, 0] > m[1, 1] && m[0, 0] > m[2, 2])
        {
            double s = 2 * Math.Sqrt(1 + m[0, 0] - m[1, 1] - m[2, 2]);
            q = new((m[2, 1] - m[1, 2]) / s, s / 4, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s);
        }
        else if (m[1, 1] > m[2, 2])
        {
            double s = 2 * Math.Sqrt(1 + m[1, 1] - m[0, 0] - m[2, 2]);
            q = new((m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, s / 4, (m[1, 2] + m[2, 1]) / s);
        }
        else
        {
            double s = 2 * Math.Sqrt(1 + m[2, 2] - m[0, 0] - m[1, 1]);
            q = new((m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, s / 4);
        }
        return q.Normalized();
    }

    /// <summary>The row-major 3x3 matrix.</summary>
    public double[,] ToMatrix()
    {
        double w = W, x = X, y = Y, z = Z;
        return new[,]
        {
            { 1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y) },
            { 2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x) },
            { 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y) },
        };
    }

    public Rotation3 Normalized()
    {
        double n = Math.Sqrt(W * W + X * X + Y * Y + Z * Z);
        return new(W / n, X / n, Y / n, Z / n);
    }

    public Rotation3 Inverse() => new(W, -X, -Y, -Z);

    /// <summary>This rotation after <paramref name="b"/>: (a * b).Apply(v) == a.Apply(b.Apply(v)).</summary>
    public static Rotation3 operator *(Rotation3 a, Rotation3 b) => new(
        a.W * b.W - a.X * b.X - a.Y * b.Y - a.Z * b.Z,
        a.W * b.X + a.X * b.W + a.Y * b.Z - a.Z * b.Y,
        a.W * b.Y - a.X * b.Z + a.Y * b.W + a.Z * b.X,
        a.W * b.Z + a.X * b.Y - a.Y * b.X + a.Z * b.W);

    public Vec3 Apply(Vec3 v)
    {
        var u = new Vec3(X, Y, Z);
        var t = 2 * u.Cross(v);
        return v + W * t + u.Cross(t);
    }

    /// <summary>The angle (radians) of the rotation taking this one to <paramref name="other"/>.</summary>
    public double AngleTo(Rotation3 other) => (Inverse() * other).ToRotationVector().Length;

    /// <summary>Spherical interpolation, <paramref name="f"/> in [0, 1], the short way round.</summary>
    public static Rotation3 Slerp(Rotation3 a, Rotation3 b, double f)
    {
        var delta = (a.Inverse() * b).ToRotationVector();
        return a * FromRotationVector(f * delta);
    }
}

/// <summary>
/// A rigid transform T_a_b: where frame b sits in frame a, so that a point p_b maps to p_a = R p_b + t. Names follow that
/// reading (rigFromCamera is T_rig_camera), which keeps the order of compositions readable.
/// </summary>
public readonly record struct RigidTransform(Rotation3 Rotation, Vec3 Translation)
{
    public static readonly RigidTransform Identity = new(Rotation3.Identity, Vec3.Zero);

    public Vec3 Apply(Vec3 p) => Rotation.Apply(p) + Translation;

    public RigidTransform Inverse()
    {
        var r = Rotation.Inverse();
        return new(r, -r.Apply(Translation));
    }

    /// <summary>T_a_c = T_a_b * T_b_c.</summary>
    public static RigidTransform operator *(RigidTransform ab, RigidTransform bc) =>
        new((ab.Rotation * bc.Rotation).Normalized(), ab.Apply(bc.Translation));
}
