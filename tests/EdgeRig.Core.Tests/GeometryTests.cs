namespace EdgeRig.Core.Tests;

public sealed class GeometryTests
{
    [Theory]
    [InlineData(0.1, -0.2, 0.3)]
    [InlineData(3.0, 0.1, 0.0)]
    [InlineData(0, 0, 1e-9)]
    public void Rotation_VectorMatrixQuaternion_RoundTrip(double x, double y, double z)
    {
        var v = new Vec3(x, y, z);
        var q = Rotation3.FromRotationVector(v);
        Assert.True((q.ToRotationVector() - v).Length < 1e-12);
        Assert.True(Rotation3.FromMatrix(q.ToMatrix()).AngleTo(q) < 1e-9);
        var p = new Vec3(0.3, -1, 2);
        var m = q.ToMatrix();
        var byMatrix = new Vec3(m[0, 0] * p.X + m[0, 1] * p.Y + m[0, 2] * p.Z, m[1, 0] * p.X + m[1, 1] * p.Y + m[1, 2] * p.Z, m[2, 0] * p.X + m[2, 1] * p.Y + m[2, 2] * p.Z);
        Assert.True((byMatrix - q.Apply(p)).Length < 1e-12);
    }

    [Fact]
    public void RigidTransform_ComposeWithInverse_IsIdentity()
    {
        var t = new RigidTransform(Rotation3.FromRotationVector(new Vec3(0.2, 0.4, -0.1)), new Vec3(1, 2, 3));
        var p = new Vec3(-0.5, 0.25, 4);
        Assert.True(((t * t.Inverse()).Apply(p) - p).Length < 1e-12);
        Assert.True((t.Inverse().Apply(t.Apply(p)) - p).Length < 1e-12);
    }

    [Fact]
    public void BodyFromOptical_OpticalAxisLooksAlongTheRigsX()
    {
        var r = SensorPose.BodyFromOptical.Rotation;
        Assert.True((r.Apply(new Vec3(0, 0, 1)) - new Vec3(1, 0, 0)).Length < 1e-12); // forward
        Assert.True((r.Apply(new Vec3(1, 0, 0)) - new Vec3(0, -1, 0)).Length < 1e-12); // image right is the rig's right
        Assert.True((r.Apply(new Vec3(0, 1, 0)) - new Vec3(0, 0, -1)).Length < 1e-12); // image down is down
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(639, 479)]
    [InlineData(100.25, 400.75)]
    public void Intrinsics_Undistort_InvertsProjection(double u, double v)
    {
        var k = new CameraIntrinsics { Fx = 560, Fy = 558, Cx = 322.5, Cy = 238.7, K1 = -0.12, K2 = 0.08, P1 = 0.0008, P2 = -0.0005, K3 = -0.02 };
        var (x, y) = k.Undistort(u, v)!.Value;
        var (pu, pv) = k.Project(new Vec3(x * 2, y * 2, 2))!.Value;
        Assert.True(Math.Abs(pu - u) < 1e-6 && Math.Abs(pv - v) < 1e-6, $"({pu}, {pv})");
    }

    [Fact]
    public void Intrinsics_PointBehindCamera_DoesNotProject() =>
        Assert.Null(new CameraIntrinsics { Fx = 1, Fy = 1 }.Project(new Vec3(0, 0, -1)));
}
