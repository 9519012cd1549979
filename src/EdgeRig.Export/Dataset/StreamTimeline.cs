using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Dataset;

/// <summary>
/// One stream's exported samples in aligned-time order (ties by sequence), as columns. Camera payloads are not kept: each frame is
/// written to images/STREAM/SEQ.jpg as it is read and the row keeps the path.
/// </summary>
internal sealed class StreamTimeline
{
    public required StreamDescriptor Descriptor { get; init; }
    public required long[] Sequence { get; init; }
    public required long[] RigNs { get; init; }
    /// <summary>Rig time minus the stream's calibrated fixed latency (= rig time without calibration); what alignment uses.</summary>
    public required long[] TimeNs { get; init; }
    public required long[] HostNs { get; init; }
    public required long[] SensorTicks { get; init; }
    public required long[] ErrorBoundNs { get; init; }
    public required int[] PayloadBytes { get; init; }
    /// <summary>Payloads of non-camera streams; empty memory for cameras.</summary>
    public required ReadOnlyMemory<byte>[] Payloads { get; init; }
    /// <summary>Image file of each camera frame relative to the dataset folder; null for other streams.</summary>
    public required string?[] Images { get; init; }

    public string Id => Descriptor.Id.Value;

    public int Count => Sequence.Length;

    public bool IsCamera => Descriptor.Encoding == Encodings.Jpeg;

    /// <summary>Relative path of a camera frame's image.</summary>
    public static string ImagePath(string stream, long sequence) => $"images/{stream}/{sequence:D8}.jpg";

    /// <summary>Reads every selected chunk of every selected stream; chunks that cannot be read go to <paramref name="problems"/>.</summary>
    public static List<StreamTimeline> Load(ISessionSource source, DatasetOptions options, string folder, List<ChunkProblem> problems,
        Action<double> progress, CancellationToken ct)
    {
        var streams = source.Record.Streams.Where(d => options.Includes(d.Id)).OrderBy(d => d.Id.Value, StringComparer.Ordinal).ToList();
        var chunks = source.Chunks
            .Where(c => options.Includes(c.Stream) && (options.From is not { } f || c.LastRigTime >= f) && (options.To is not { } t || c.FirstRigTime <= t))
            .GroupBy(c => c.Stream.Value).ToDictionary(g => g.Key, g => g.OrderBy(c => c.Index).ToList());
        int total = chunks.Values.Sum(l => l.Count), read = 0;
        var timelines = new List<StreamTimeline>();
        foreach (var d in streams)
        {
            var samples = new List<(Sample Sample, int Bytes)>();
            foreach (var chunk in chunks.GetValueOrDefault(d.Id.Value) ?? [])
            {
                ct.ThrowIfCancellationRequested();
                bool ok = source.TryReadChunk(chunk, out var decoded, out var problem);
                progress(total == 0 ? 1 : (double)++read / total);
                if (!ok) { problems.Add(problem!); continue; }
                foreach (var s in decoded!)
                {
                    if (!options.Includes(s.Rig.Time)) continue;
                    if (d.Encoding != Encodings.Jpeg) { samples.Add((s, s.Payload.Length)); continue; }
                    string image = Path.Combine(folder, ImagePath(d.Id.Value, s.Sequence));
                    Directory.CreateDirectory(Path.GetDirectoryName(image)!);
                    File.WriteAllBytes(image, s.Payload.ToArray());
                    samples.Add((s with { Payload = ReadOnlyMemory<byte>.Empty }, s.Payload.Length));
                }
            }
            timelines.Add(Build(d, samples, options.Calibration));
        }
        return timelines;
    }

    private static StreamTimeline Build(StreamDescriptor d, List<(Sample Sample, int Bytes)> samples, DatasetCalibration calibration)
    {
        string id = d.Id.Value;
        var ordered = samples.Select(s => (s.Sample, s.Bytes, Time: calibration.AlignedNs(id, s.Sample.Rig.Time.Nanoseconds)))
            .OrderBy(x => x.Time).ThenBy(x => x.Sample.Sequence).ToList();
        bool camera = d.Encoding == Encodings.Jpeg;
        return new StreamTimeline
        {
            Descriptor = d,
            Sequence = ordered.Select(x => x.Sample.Sequence).ToArray(),
            RigNs = ordered.Select(x => x.Sample.Rig.Time.Nanoseconds).ToArray(),
            TimeNs = ordered.Select(x => x.Time).ToArray(),
            HostNs = ordered.Select(x => x.Sample.HostTime.Nanoseconds).ToArray(),
            SensorTicks = ordered.Select(x => x.Sample.SensorTime.Ticks).ToArray(),
            ErrorBoundNs = ordered.Select(x => x.Sample.Rig.ErrorBound.Nanoseconds).ToArray(),
            PayloadBytes = ordered.Select(x => x.Bytes).ToArray(),
            Payloads = ordered.Select(x => x.Sample.Payload).ToArray(),
            Images = ordered.Select(x => camera ? ImagePath(id, x.Sample.Sequence) : null).ToArray(),
        };
    }
}
