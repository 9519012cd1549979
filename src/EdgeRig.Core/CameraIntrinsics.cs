namespace EdgeRig.Core;

/// <summary>
/// A camera's pinhole model with OpenCV's distortion (k1, k2, p1, p2, k3): the simulated camera draws through it, the spatial
/// solver estimates it, exports carry it. Pixels: (0, 0) is the centre of the top-left pixel, as in OpenCV.
/// </summary>
public sealed record CameraIntrinsics
{
    public double Fx { get; init; }
    public double Fy { get; init; }
    public double Cx { get; init; }
    public double Cy { get; init; }
    public double K1 { get; init; }
    public double K2 { get; init; }
    public double P1 { get; init; }
    public double P2 { get; init; }
    public double K3 { get; init; }

    /// <summary>An undistorted camera of the given size and horizontal field of view, principal point at the image centre.</summary>
    public static CameraIntrinsics ForFieldOfView(int width, int height, double horizontalFovRad)
    {
        double f = width / 2.0 / Math.Tan(horizontalFovRad / 2);
        return new CameraIntrinsics { Fx = f, Fy = f, Cx = (width - 1) / 2.0, Cy = (height - 1) / 2.0 };
    }

    /// <summary>The distortion coefficients in OpenCV's order (k1, k2, p1, p2, k3).</summary>
    public double[] Distortion => [K1, K2, P1, P2, K3];

    /// <summary>Normalised image coordinates (x/z, y/z) after distortion.</summary>
    public (double X, double Y) Distort(double x, double y)
    {
        double r2 = x * x + y * y;
        double radial = Radial(r2);
        return (x * radial + 2 * P1 * x * y + P2 * (r2 + 2 * x * x), y * radial + P1 * (r2 + 2 * y * y) + 2 * P2 * x * y);
    }

    private double Radial(double r2) => 1 + r2 * (K1 + r2 * (K2 + r2 * K3));

    /// <summary>The pixel of a point in the camera's optical frame (x right, y down, z forward); null behind the camera.</summary>
    public (double U, double V)? Project(Vec3 p)
    {
        if (p.Z <= 1e-9) return null;
        var (x, y) = Distort(p.X / p.Z, p.Y / p.Z);
        return (Fx * x + Cx, Fy * y + Cy);
    }

    /// <summary>
    /// The undistorted normalised coordinates seen at pixel (u, v): Newton's method on the distortion (a few steps reach 1e-12
    /// for the distortions a lens has); null where the model does not invert (far outside its valid field).
    /// </summary>
    public (double X, double Y)? Undistort(double u, double v)
    {
        double tx = (u - Cx) / Fx, ty = (v - Cy) / Fy;
        double x = tx, y = ty;
        for (int i = 0; i < 20; i++)
        {
            var (dx, dy) = Distort(x, y);
            double ex = dx - tx, ey = dy - ty;
            const double h = 1e-7;
            var (ax, ay) = Distort(x + h, y);
            var (bx, by) = Distort(x, y + h);
            double j00 = (ax - dx) / h, j10 = (ay - dy) / h, j01 = (bx - dx) / h, j11 = (by - dy) / h;
            double det = j00 * j11 - j01 * j10;
            // a solution where the mapping is folded (Jacobian not positive) or turned inside out (radial factor not positive)
            // is a ray the lens never images there
            if (ex * ex + ey * ey < 1e-26) return det > 0 && Radial(x * x + y * y) > 0 ? (x, y) : null;
            if (Math.Abs(det) < 1e-12) return null;
            x -= (j11 * ex - j01 * ey) / det;
            y -= (-j10 * ex + j00 * ey) / det;
        }
        return null;
    }
}

/// <summary>
/// A sensor's mounting pose as rig files and profiles write it: where the sensor frame sits in the rig frame (x forward,
/// y left, z up), as a translation in metres and a rotation vector in degrees. A camera's mount is its body (x forward, like
/// the rig); its optical frame (x right, y down, z forward) follows by <see cref="BodyFromOptical"/>.
/// </summary>
public sealed record SensorPose
{
    public IReadOnlyList<double> TranslationM { get; init; } = [0, 0, 0];
    public IReadOnlyList<double> RotationDeg { get; init; } = [0, 0, 0];

    public RigidTransform ToTransform() =>
        new(Rotation3.FromRotationVector(Math.PI / 180 * Vec3.From(RotationDeg)), Vec3.From(TranslationM));

    public static SensorPose From(RigidTransform t) => new()
    {
        TranslationM = t.Translation.ToArray(),
        RotationDeg = (180 / Math.PI * t.Rotation.ToRotationVector()).ToArray(),
    };

    /// <summary>T_body_optical: the optical frame's axes (x right, y down, z forward) in a forward-looking body frame.</summary>
    public static readonly RigidTransform BodyFromOptical = new(Rotation3.FromMatrix(new double[,] { { 0, 0, 1 }, { -1, 0, 0 }, { 0, -1, 0 } }), Vec3.Zero);
}

/// <summary>A device's design geometry from its rig-file entry: where its data frame sits on the rig.</summary>
public static class DeviceGeometry
{
    /// <summary>T_rig_sensor of the device's data frame: its mount (identity when none), and for a camera the optical frame
    /// (x right, y down, z forward) of that mount.</summary>
    public static RigidTransform RigFromSensor(DeviceProfile d)
    {
        var mount = d.Mount?.ToTransform() ?? RigidTransform.Identity;
        return d.Kind == "camera" ? mount * SensorPose.BodyFromOptical : mount;
    }
}
