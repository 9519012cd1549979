using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using EdgeRig.Imaging;

namespace EdgeRig.Devices.Camera;

/// <summary>
/// Draws the simulated calibration board into a frame through a camera's true lens model, distortion included: every pixel
/// corner's viewing ray (the distortion inverted once, when the first board frame is drawn) is carried onto the board plane by
/// the plane's homography; a pixel whose four corners fall on one square takes its shade, an edge pixel is averaged over 4x4
/// sub-pixel rays (interpolated between its corners), so corners come out anti-aliased as a real sensor integrates them.
/// Board pixels carry the sensor's read noise (seeded by the world seed and the camera). Only the board's bounding box is
/// visited, and frames without the board cost nothing.
/// </summary>
internal sealed class TargetRenderer(CameraIntrinsics intrinsics, int width, int height, int seed)
{
    private const byte Black = 30, White = 220;

    /// <summary>Standard deviation of the sensor's read noise on board pixels, in grey levels (a seed's draw, as a real sensor's).</summary>
    private const double NoiseLevels = 1.5;

    private readonly Random _noise = new(seed);
    private const int Sub = 4;
    private double[]? _rayX, _rayY; // undistorted normalised coordinates at pixel corners (x - 0.5, y - 0.5), (width+1) x (height+1)

    /// <summary>Draws the board at T_camera_board; false if no part of it is in front of the camera and inside the image.</summary>
    public bool Draw(I420Image frame, SimulatedTarget target, RigidTransform cameraFromBoard)
    {
        if (Bounds(target, cameraFromBoard) is not var (x0, y0, x1, y1)) return false;
        var h = PlaneHomography(cameraFromBoard);
        if (h is null) return false;
        EnsureRays();
        int gw = x1 - x0 + 2;
        // board coordinates (homogeneous) at each pixel corner of the box
        var hx = new double[gw * (y1 - y0 + 2)];
        var hy = new double[hx.Length];
        var hw = new double[hx.Length];
        for (int gy = 0; gy <= y1 - y0 + 1; gy++)
            for (int gx = 0; gx < gw; gx++)
            {
                int r = (y0 + gy) * (width + 1) + x0 + gx, g = gy * gw + gx;
                double rx = _rayX![r], ry = _rayY![r];
                hx[g] = h[0] * rx + h[1] * ry + h[2];
                hy[g] = h[3] * rx + h[4] * ry + h[5];
                hw[g] = h[6] * rx + h[7] * ry + h[8];
            }
        bool any = false;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                int g = (y - y0) * gw + x - x0;
                int s00 = ShadeAt(target, hx[g], hy[g], hw[g]), s10 = ShadeAt(target, hx[g + 1], hy[g + 1], hw[g + 1]);
                int s01 = ShadeAt(target, hx[g + gw], hy[g + gw], hw[g + gw]), s11 = ShadeAt(target, hx[g + gw + 1], hy[g + gw + 1], hw[g + gw + 1]);
                if (s00 == s10 && s00 == s01 && s00 == s11)
                {
                    if (s00 < 0) continue;
                    frame.Y[y * width + x] = Noisy(s00 == 0 ? Black : White);
                }
                else
                {
                    double sum = 0;
                    int on = 0;
                    for (int j = 0; j < Sub; j++)
                        for (int i = 0; i < Sub; i++)
                        {
                            double fx = (i + 0.5) / Sub, fy = (j + 0.5) / Sub;
                            double w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
                            double bx = w00 * hx[g] + w10 * hx[g + 1] + w01 * hx[g + gw] + w11 * hx[g + gw + 1];
                            double by = w00 * hy[g] + w10 * hy[g + 1] + w01 * hy[g + gw] + w11 * hy[g + gw + 1];
                            double bw = w00 * hw[g] + w10 * hw[g + 1] + w01 * hw[g + gw] + w11 * hw[g + gw + 1];
                            int s = ShadeAt(target, bx, by, bw);
                            if (s < 0) continue;
                            sum += s == 0 ? Black : White;
                            on++;
                        }
                    if (on == 0) continue;
                    double background = frame.Y[y * width + x];
                    frame.Y[y * width + x] = Noisy((sum + (Sub * Sub - on) * background) / (Sub * Sub));
                }
                any = true;
                if ((x & 1) == 0 && (y & 1) == 0)
                {
                    int c = y / 2 * frame.ChromaWidth + x / 2;
                    frame.U[c] = 128;
                    frame.V[c] = 128;
                }
            }
        return any;
    }

    /// <summary>A grey level with Gaussian read noise (Box-Muller), clamped to a byte.</summary>
    private byte Noisy(double level)
    {
        double gaussian = Math.Sqrt(-2 * Math.Log(1 - _noise.NextDouble())) * Math.Cos(2 * Math.PI * _noise.NextDouble());
        return (byte)Math.Clamp(Math.Round(level + NoiseLevels * gaussian), 0, 255);
    }

    private static int ShadeAt(SimulatedTarget target, double x, double y, double w) => w <= 0 ? -1 : target.Shade(x / w, y / w);

    /// <summary>
    /// H with (x, y, w)_board ∝ H · (X, Y, 1) for a ray (X, Y, 1) in the optical frame: the inverse of [r1 r2 t] (the board plane's
    /// points are R·(x, y, 0) + t). w comes out as 1 / depth, so w ≤ 0 is behind the camera.
    /// </summary>
    private static double[]? PlaneHomography(RigidTransform cameraFromBoard)
    {
        var m = cameraFromBoard.Rotation.ToMatrix();
        var t = cameraFromBoard.Translation;
        double a = m[0, 0], b = m[0, 1], c = t.X, d = m[1, 0], e = m[1, 1], f = t.Y, g = m[2, 0], hh = m[2, 1], i = t.Z;
        double det = a * (e * i - f * hh) - b * (d * i - f * g) + c * (d * hh - e * g);
        if (Math.Abs(det) < 1e-12) return null; // seen edge-on
        return
        [
            (e * i - f * hh) / det, (c * hh - b * i) / det, (b * f - c * e) / det,
            (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det,
            (d * hh - e * g) / det, (b * g - a * hh) / det, (a * e - b * d) / det,
        ];
    }

    /// <summary>The pixel box the board can cover: its outline and inner lines projected with distortion, plus a margin; null if none of it is in view.</summary>
    private (int X0, int Y0, int X1, int Y1)? Bounds(SimulatedTarget target, RigidTransform cameraFromBoard)
    {
        double minU = double.MaxValue, minV = double.MaxValue, maxU = double.MinValue, maxV = double.MinValue;
        const int N = 12;
        for (int j = 0; j <= N; j++)
            for (int i = 0; i <= N; i++)
            {
                var p = cameraFromBoard.Apply(new Vec3(target.MinX + (target.MaxX - target.MinX) * i / N, target.MinY + (target.MaxY - target.MinY) * j / N, 0));
                if (p.Z <= 0.01) return (0, 0, width - 1, height - 1); // partly behind the camera: visit the whole frame
                if (intrinsics.Project(p) is not var (u, v)) continue;
                (minU, maxU, minV, maxV) = (Math.Min(minU, u), Math.Max(maxU, u), Math.Min(minV, v), Math.Max(maxV, v));
            }
        int x0 = Math.Max(0, (int)Math.Floor(minU) - 3), y0 = Math.Max(0, (int)Math.Floor(minV) - 3);
        int x1 = Math.Min(width - 1, (int)Math.Ceiling(maxU) + 3), y1 = Math.Min(height - 1, (int)Math.Ceiling(maxV) + 3);
        return x0 > x1 || y0 > y1 ? null : (x0, y0, x1, y1);
    }

    private void EnsureRays()
    {
        if (_rayX is not null) return;
        var rx = new double[(width + 1) * (height + 1)];
        var ry = new double[rx.Length];
        for (int y = 0; y <= height; y++)
            for (int x = 0; x <= width; x++)
            {
                // the rig file's check makes the model invert over the image; a corner half a pixel outside falls back to no distortion
                var (nx, ny) = intrinsics.Undistort(x - 0.5, y - 0.5) ?? ((x - 0.5 - intrinsics.Cx) / intrinsics.Fx, (y - 0.5 - intrinsics.Cy) / intrinsics.Fy);
                rx[y * (width + 1) + x] = nx;
                ry[y * (width + 1) + x] = ny;
            }
        (_rayX, _rayY) = (rx, ry);
    }
}
