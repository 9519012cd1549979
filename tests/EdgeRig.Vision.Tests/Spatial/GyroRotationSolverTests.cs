using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Vision.Spatial;
using Xunit.Abstractions;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>
/// The camera-IMU rotation on a synthetic sway (the simulated rig's: three sinusoids, 6° at 0.7, 0.9 and 0.55 Hz under a
/// sin² envelope, 10 s): a 200 Hz gyro in a turned IMU and 20 Hz board poses whose times lag the gyro's by 16.2 ms, both with
/// seeded noise. One millisecond of lag turns the fitted rotation by about 0.1° on this motion.
/// </summary>
public sealed class GyroRotationSolverTests(ITestOutputHelper output)
{
    private const double TrueLagNs = 16.2e6, SwaySeconds = 10, StartSeconds = 1;
    private static readonly Rotation3 CameraFromRig = Rotation3.FromRotationVector(new Vec3(1.6, -0.9, 0.7));
    private static readonly Rotation3 ImuFromRig = Rotation3.FromRotationVector(new Vec3(0.05, -0.03, 1.57));
    private static readonly Rotation3 CameraFromImu = CameraFromRig * ImuFromRig.Inverse();

    private static Rotation3 WorldFromRig(double seconds)
    {
        double tau = seconds - StartSeconds;
        if (tau <= 0 || tau >= SwaySeconds) return Rotation3.Identity;
        double envelope = Math.Pow(Math.Sin(Math.PI * tau / SwaySeconds), 2) * 6 * Math.PI / 180;
        return Rotation3.FromRotationVector(envelope * new Vec3(Math.Sin(2 * Math.PI * 0.7 * tau), Math.Sin(2 * Math.PI * 0.9 * tau), Math.Sin(2 * Math.PI * 0.55 * tau)));
    }

    private static List<Sample> Gyro(Random noise)
    {
        var samples = new List<Sample>();
        for (long k = 0; k < (SwaySeconds + 2 * StartSeconds) * 200; k++)
        {
            double t = k / 200.0;
            const double h = 1e-4;
            var rate = ImuFromRig.Apply(1 / (2 * h) * (WorldFromRig(t - h).Inverse() * WorldFromRig(t + h)).ToRotationVector());
            var payload = new byte[24];
            float[] values = [0, 0, 9.81f, (float)(rate.X + Noise(noise, 0.002)), (float)(rate.Y + Noise(noise, 0.002)), (float)(rate.Z + Noise(noise, 0.002))];
            for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(4 * i), values[i]);
            samples.Add(new Sample(new StreamId("imu0"), k, default, default, new RigTimestamp(new RigTime((long)(t * 1e9)), Duration.Zero), payload));
        }
        return samples;
    }

    /// <summary>Board poses at 20 Hz (the board still in the world, 0.85 m ahead), stamped <see cref="TrueLagNs"/> after they were seen, 0.02° of noise.</summary>
    private static List<BoardPose> Poses(Random noise)
    {
        var worldFromBoard = new RigidTransform(Rotation3.FromRotationVector(new Vec3(0, 0, 0.1)), new Vec3(0.85, 0, 0));
        var poses = new List<BoardPose>();
        for (long k = 0; k < (SwaySeconds + 2 * StartSeconds) * 20; k++)
        {
            double t = k / 20.0;
            var jitter = Rotation3.FromRotationVector(Math.PI / 180 * new Vec3(Noise(noise, 0.02), Noise(noise, 0.02), Noise(noise, 0.02)));
            var rotation = jitter * CameraFromRig * WorldFromRig(t).Inverse() * worldFromBoard.Rotation;
            poses.Add(new BoardPose(k, t * 1e9 + TrueLagNs, new RigidTransform(rotation, new Vec3(0, 0, 0.85)), []));
        }
        return poses;
    }

    private static double Noise(Random random, double sd) => (random.NextDouble() - 0.5) * 3.46 * sd;

    [Theory]
    [InlineData(-20)]
    [InlineData(-8)]
    [InlineData(8)]
    [InlineData(20)]
    public void Solve_StartLagOffByMilliseconds_RecoversRotationWithinHalfADegree(double offMs)
    {
        var noise = new Random(19);
        var (poses, gyro) = (Poses(noise), Gyro(noise));
        var fit = GyroRotationSolver.Solve(poses, gyro, default, 50e6, 0.05, TrueLagNs + offMs * 1e6);
        double errorDeg = fit.CameraFromImu.AngleTo(CameraFromImu) * 180 / Math.PI;
        output.WriteLine($"start {offMs} ms off: lag {fit.LagNs / 1e6:0.00} ms, rotation off by {errorDeg:0.000} deg, residual {fit.ResidualRadPerS:0.0000} rad/s, {fit.Pairs} pairs");
        Assert.InRange(fit.LagNs, TrueLagNs - 1e6, TrueLagNs + 1e6);
        Assert.True(errorDeg <= 0.5, $"rotation off by {errorDeg} deg");
    }

    [Fact]
    public void Solve_MisplacedBoardPoses_IgnoredByTheFit()
    {
        var noise = new Random(5);
        var poses = Poses(noise);
        // three poses turned by 8° (what misdetected corners gave on the simulated rig): six wild camera rates
        foreach (int k in (int[])[80, 95, 130])
            poses[k] = poses[k] with { CameraFromBoard = new RigidTransform(Rotation3.FromRotationVector(new Vec3(0.14, 0, 0)) * poses[k].CameraFromBoard.Rotation, poses[k].CameraFromBoard.Translation) };
        var fit = GyroRotationSolver.Solve(poses, Gyro(noise), default, 50e6, 0.05);
        double errorDeg = fit.CameraFromImu.AngleTo(CameraFromImu) * 180 / Math.PI;
        output.WriteLine($"lag {fit.LagNs / 1e6:0.00} ms, rotation off by {errorDeg:0.000} deg, {fit.Pairs} pairs");
        Assert.InRange(fit.LagNs, TrueLagNs - 1e6, TrueLagNs + 1e6);
        Assert.True(errorDeg <= 0.5, $"rotation off by {errorDeg} deg");
    }
}
