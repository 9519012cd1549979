using System.Text.Json;

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
}
