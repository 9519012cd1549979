using System.Text.Json;
using EdgeRig.Core;

namespace EdgeRig.Devices.Simulation;

/// <summary>Ground truth of the simulated world, one JSON line per event, under DATA/sim/ground-truth.jsonl.</summary>
public static class GroundTruthLog
{
    private static readonly object Gate = new();

    public static string PathFor(string dataDir) => System.IO.Path.Combine(dataDir, "sim", "ground-truth.jsonl");

    public static void Append(string dataDir, WorldEvent e)
    {
        string path = PathFor(dataDir);
        lock (Gate)
        {
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
                File.AppendAllText(path, JsonSerializer.Serialize(new Entry(e.Number, e.TrueTime.Nanoseconds, e.RigTime.Nanoseconds, e.Source), Json) + "\n");
            }
            catch (IOException)
            {
                // a full disk must not take the simulated world (and the service) down: the event is missing from the log
                Interlocked.Increment(ref _lost);
            }
        }
    }

    private static long _lost;

    /// <summary>Events that could not be logged (the disk was full).</summary>
    public static long Lost => Interlocked.Read(ref _lost);

    /// <summary>One ground-truth event: its number, true host time and rig time, and what caused it ("periodic", or the GPIO line that fired it).</summary>
    public sealed record Entry(int Number, long TrueHostNs, long RigNs, string Source = "periodic");

    /// <summary>Every event logged so far (none if the rig is not simulated).</summary>
    public static IReadOnlyList<Entry> Read(string dataDir)
    {
        string path = PathFor(dataDir);
        if (!File.Exists(path)) return [];
        lock (Gate)
            return File.ReadLines(path).Select(l => JsonSerializer.Deserialize<Entry>(l, Json)!).ToList();
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The spatial truth (device geometry, then each frame that showed the board), beside the events: DATA/sim/geometry-truth.jsonl.</summary>
    public static string GeometryPathFor(string dataDir) => System.IO.Path.Combine(dataDir, "sim", "geometry-truth.jsonl");

    /// <summary>
    /// Logs the rig's true geometry now (one "device" line per simulated device) and every frame that shows the board from
    /// then on ("target" lines), as the service logs the world's events. Does nothing for a world without a target.
    /// </summary>
    public static void Attach(SimulatedWorld world, RigProfile rig, string dataDir)
    {
        if (world.Target is null) return;
        foreach (var d in rig.Devices.Where(d => d.Driver == "sim" && d.Kind is "camera" or "lidar" or "imu"))
            AppendGeometry(dataDir, new GeometryLine("device", SimulatedGeometry.TruthOf(d), null));
        world.TargetSeen += t => AppendGeometry(dataDir, new GeometryLine("target", null, t));
    }

    /// <summary>One line of the geometry log: "device" with its geometry or "target" with a frame's poses.</summary>
    public sealed record GeometryLine(string Kind, DeviceGeometryTruth? Device, TargetTruth? Target);

    /// <summary>Every geometry line logged so far.</summary>
    public static IReadOnlyList<GeometryLine> ReadGeometry(string dataDir)
    {
        string path = GeometryPathFor(dataDir);
        if (!File.Exists(path)) return [];
        lock (Gate)
            return File.ReadLines(path).Select(l => JsonSerializer.Deserialize<GeometryLine>(l, Json)!).ToList();
    }

    private static void AppendGeometry(string dataDir, GeometryLine line)
    {
        string path = GeometryPathFor(dataDir);
        lock (Gate)
        {
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
                File.AppendAllText(path, JsonSerializer.Serialize(line, Json) + "\n");
            }
            catch (IOException)
            {
                Interlocked.Increment(ref _lost);
            }
        }
    }
}

/// <summary>
/// A camera frame that showed the simulated board: the camera, the frame's sequence number and true mid-exposure time, and
/// the true poses of that instant (T_world_board, the rig's attitude R_world_rig, T_camera_board in the optical frame).
/// </summary>
public sealed record TargetTruth(string Device, long Sequence, long TrueHostNs, SensorPose WorldFromBoard, SensorPose WorldFromRig, SensorPose CameraFromBoard);

/// <summary>A device's true geometry as the simulation builds it: its frame's pose on the rig (a camera's optical frame) and a
/// camera's true lens model.</summary>
public sealed record DeviceGeometryTruth(string Device, string FrameId, SensorPose RigFromSensor, CameraIntrinsics? Intrinsics);
