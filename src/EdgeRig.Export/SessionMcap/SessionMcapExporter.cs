using System.Globalization;
using EdgeRig.Core;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap.Foxglove;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// Writes a recorded session as MCAP that Foxglove opens natively: one protobuf channel per stream (/STREAM), markers on
/// /markers, session metadata as "edgerig.session", and the export's own completeness as "edgerig.export". Messages are
/// merged in rig-time order; log_time is the rig time, publish_time the raw host monotonic time. Same input, same bytes.
/// </summary>
public static class SessionMcapExporter
{
    public const string MarkersTopic = "/markers";
    public const string SessionMetadataName = "edgerig.session";
    public const string ExportMetadataName = "edgerig.export";

    /// <summary>Exports what is intact; chunks that are missing or corrupt are skipped and listed in the result and in the file.</summary>
    /// <exception cref="ArgumentException">the options name an unknown stream or an empty time range.</exception>
    public static SessionMcapResult Export(ISessionSource source, Stream output, SessionMcapOptions? options = null,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new SessionMcapOptions();
        var record = source.Record;
        options.Validate(record.Streams);
        var streams = record.Streams.Where(d => options.Includes(d.Id)).OrderBy(d => d.Id.Value, StringComparer.Ordinal).ToList();
        var plans = streams.Select(SampleMessages.For).ToList();
        var chunks = source.Chunks
            .Where(c => options.Includes(c.Stream) && Overlaps(c, options))
            .GroupBy(c => c.Stream.Value).ToDictionary(g => g.Key, g => g.OrderBy(c => c.Index).ToList());
        int totalChunks = chunks.Values.Sum(l => l.Count), chunksRead = 0;
        var problems = new List<ChunkProblem>();

        using var hashing = new HashingWriteStream(output);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        using (var writer = new McapWriter(hashing, new McapWriterOptions { Compression = options.Compression }, leaveOpen: true))
        {
            writer.WriteMetadata(SessionMetadataName, SessionMetadata.Of(record));
            foreach (var a in options.Attachments)
                writer.WriteAttachment(a.Name, a.MediaType, Ns(a.Time), Ns(a.Time), a.Data);

            var schemaIds = new Dictionary<MessageDescriptor, ushort>();
            ushort SchemaFor(MessageDescriptor d)
            {
                if (!schemaIds.TryGetValue(d, out ushort id))
                    schemaIds[d] = id = writer.AddSchema(d.FullName, SchemaDescriptors.Encoding, SchemaDescriptors.FileDescriptorSet(d));
                return id;
            }
            var channels = streams.Select((d, i) => writer.AddChannel(Topic(d), SchemaDescriptors.Encoding, SchemaFor(plans[i].Schema), SessionMetadata.OfStream(d))).ToList();
            ushort markerChannel = writer.AddChannel(MarkersTopic, SchemaDescriptors.Encoding, SchemaFor(Log.Descriptor));
            foreach (var d in streams) counts[Topic(d)] = 0;
            counts[MarkersTopic] = 0;
            if (options.Geometry is { } geometry)
            {
                var start = options.From is { } from && from.Nanoseconds > record.Session.Start.Nanoseconds ? from : record.Session.Start;
                WriteGeometry(writer, GeometryMessages.For(geometry, streams, start), Ns(start), SchemaFor, counts);
            }

            using var readAhead = new ChunkReadAhead(source, cancellationToken);
            IEnumerable<Sample> ReadStream(StreamDescriptor d)
            {
                var list = chunks.GetValueOrDefault(d.Id.Value) ?? [];
                for (int i = 0; i < list.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (lease, problem) = readAhead.Take(list[i]);
                    for (int k = 1; k <= readAhead.Depth && i + k < list.Count; k++) readAhead.Prefetch(list[i + k]);
                    progress?.Report(totalChunks == 0 ? 1 : (double)++chunksRead / totalChunks);
                    if (lease is null) { problems.Add(problem!); continue; }
                    // each sample is written (its payload copied into the MCAP chunk) before the next is asked for, so the
                    // chunk's memory can go back once its last sample is
                    using (lease)
                    {
                        foreach (var s in lease.Samples)
                            if (options.Includes(s.Rig.Time)) yield return s;
                    }
                }
            }

            foreach (var d in streams)
                if (chunks.GetValueOrDefault(d.Id.Value) is [var first, ..]) readAhead.Prefetch(first); // every stream's first chunk at once

            var queue = new PriorityQueue<(IEnumerator<Sample> Samples, int Stream), (long RigNs, int Stream)>();
            var readers = streams.Select(ReadStream).Select(r => r.GetEnumerator()).ToList();
            try
            {
                for (int i = 0; i < streams.Count; i++)
                {
                    if (readers[i].MoveNext()) queue.Enqueue((readers[i], i), (readers[i].Current.Rig.Time.Nanoseconds, i));
                }
                var markers = record.Markers.Where(m => options.Includes(m.Time))
                    .OrderBy(m => m.Time).ThenBy(m => m.Label, StringComparer.Ordinal).ThenBy(m => m.Note, StringComparer.Ordinal).ToList();
                int nextMarker = 0;
                while (queue.TryDequeue(out var head, out var at))
                {
                    while (nextMarker < markers.Count && markers[nextMarker].Time.Nanoseconds <= at.RigNs)
                        WriteMarker(writer, markerChannel, markers, nextMarker++, counts);
                    var s = head.Samples.Current;
                    var d = streams[head.Stream];
                    writer.WriteProtobuf(channels[head.Stream], unchecked((uint)s.Sequence), Ns(s.Rig.Time), (ulong)Math.Max(0, s.HostTime.Nanoseconds),
                        plans[head.Stream].ToMessage(s));
                    counts[Topic(d)]++;
                    if (head.Samples.MoveNext()) queue.Enqueue(head, (head.Samples.Current.Rig.Time.Nanoseconds, head.Stream));
                }
                while (nextMarker < markers.Count) WriteMarker(writer, markerChannel, markers, nextMarker++, counts);
            }
            finally
            {
                foreach (var reader in readers) reader.Dispose(); // a stream stopped halfway gives back the chunk it holds
            }

            problems.Sort((a, b) => (string.CompareOrdinal(a.Stream, b.Stream), a.Index.CompareTo(b.Index)) switch { (0, var i) => i, (var s, _) => s });
            writer.WriteMetadata(ExportMetadataName, ExportMetadata(record, streams, options, problems, counts));
            writer.Finish();
        }
        hashing.Flush();
        return new SessionMcapResult(record.Session.Id, counts, problems, hashing.Length, hashing.Sha256Hex);
    }

    /// <summary>The topic of a stream: "/" + stream id.</summary>
    public static string Topic(StreamDescriptor stream) => "/" + stream.Id.Value;

    private static void WriteMarker(McapWriter writer, ushort channel, List<Marker> markers, int index, SortedDictionary<string, long> counts)
    {
        var m = markers[index];
        writer.WriteProtobuf(channel, (uint)index, Ns(m.Time), Ns(m.Time), SampleMessages.Marker(m));
        counts[MarkersTopic]++;
    }

    /// <summary>The static geometry, all stamped at the export's start: a channel per topic, in the order given.</summary>
    private static void WriteGeometry(McapWriter writer, IReadOnlyList<(string Topic, IMessage Message)> messages, ulong at, Func<MessageDescriptor, ushort> schemaFor,
        SortedDictionary<string, long> counts)
    {
        var channels = new Dictionary<string, ushort>(StringComparer.Ordinal);
        foreach (var (topic, message) in messages)
        {
            if (!channels.TryGetValue(topic, out ushort channel))
                channels[topic] = channel = writer.AddChannel(topic, SchemaDescriptors.Encoding, schemaFor(message.Descriptor));
            long n = counts.GetValueOrDefault(topic);
            writer.WriteProtobuf(channel, (uint)n, at, at, message);
            counts[topic] = n + 1;
        }
    }

    private static bool Overlaps(ChunkInfo c, SessionMcapOptions o) =>
        (o.From is not { } from || c.LastRigTime >= from) && (o.To is not { } to || c.FirstRigTime <= to);

    private static ulong Ns(RigTime t) => (ulong)Math.Max(0, t.Nanoseconds);

    private static Dictionary<string, string> ExportMetadata(SessionRecord record, List<StreamDescriptor> streams, SessionMcapOptions o,
        List<ChunkProblem> problems, SortedDictionary<string, long> counts)
    {
        var entries = new Dictionary<string, string>
        {
            ["session_id"] = record.Session.Id,
            ["streams"] = string.Join(",", streams.Select(d => d.Id.Value)),
            ["from_ns"] = o.From?.Nanoseconds.ToString(CultureInfo.InvariantCulture) ?? "",
            ["to_ns"] = o.To?.Nanoseconds.ToString(CultureInfo.InvariantCulture) ?? "",
            ["log_time"] = "rig time (ns since the Unix epoch, PTP-disciplined CLOCK_REALTIME)",
            ["publish_time"] = "host CLOCK_MONOTONIC ns at capture (markers: rig time)",
            ["complete"] = problems.Count == 0 ? "true" : "false",
            ["missing_or_corrupt_chunks"] = string.Join("\n", problems),
        };
        foreach (var (topic, n) in counts) entries["messages" + topic.Replace('/', '.')] = n.ToString(CultureInfo.InvariantCulture);
        return entries;
    }
}
