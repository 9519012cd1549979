using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Storage.Durability;
using Microsoft.Win32.SafeHandles;
using Xunit.Abstractions;

namespace EdgeRig.Storage.Tests;

/// <summary>
/// Crash consistency in the spirit of ALICE and CrashMonkey. A workload runs against the store with every write and sync
/// of its durable files recorded (<see cref="RecordingFileLayer"/>), each acknowledged call marked. Then every prefix of
/// that record is replayed into a fresh directory as a disk could hold it after a power cut, and the store must open,
/// recover and still have everything acknowledged before the cut:
/// - "ordered": every operation before the cut reached the disk, at each operation boundary, the last write torn at a
///   random length;
/// - "synced": only what was synced survived: a file's contents as of its last fsync, a directory's entries as of its
///   last directory sync (POSIX's promise and nothing more).
/// LiteDB's files are a cache and are absent from every replay: the store must rebuild everything from its own files.
/// </summary>
public sealed class CrashReplayTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-replay-" + Guid.NewGuid().ToString("N"));
    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");
    private const int Batches = 6;

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static List<Sample> Samples(StreamDescriptor d, int batch, int count, int size) =>
        Enumerable.Range(0, count).Select(i =>
        {
            long seq = batch * count + i;
            return new Sample(d.Id, seq, new SensorTime(seq), new HostTime(seq * 1000), new RigTimestamp(new RigTime(10_000 + seq * 1000), new Duration(5)),
                Enumerable.Range(0, size).Select(k => (byte)(seq * 31 + k)).ToArray());
        }).ToList();

    /// <summary>What the workload was told had happened, in order, with the recorded-operation index it was told at.</summary>
    private sealed record Acknowledged(int At, string What, string Detail = "");

    [Fact]
    public void EveryPrefixOfTheRecordedWrites_OpensRecoversAndKeepsEverythingAcknowledged()
    {
        string source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(Path.Combine(source, "sessions"));
        var files = new RecordingFileLayer(source);
        var acks = new List<Acknowledged>();
        void Ack(string what, string detail = "") => acks.Add(new Acknowledged(files.Count, what, detail));
        using (var store = new LiteDbSessionStore(source, new SessionStoreOptions { FreeSpaceReserveBytes = 0, Files = files }))
        {
            Ack("token", new LiteDbTokenStore(store).Create("field", Role.Data, null));
            store.CreateSession(new Session("s1", "replayed", "ana", new Dictionary<string, string>(), new RigTime(10_000), null, SessionState.Recording, "rig"), [Imu, Cam]);
            Ack("session");
            for (int b = 0; b < Batches; b++)
            {
                store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, b, 40, 24)), new ChunkBatch(Cam, Samples(Cam, b, 2, 2000))]);
                Ack("chunks", b.ToString());
                store.UpdateCounts("s1", new Dictionary<string, StreamCounts> { ["imu0"] = new((b + 1) * 40, (b + 1) * 40, 0, 0), ["cam0"] = new((b + 1) * 2, (b + 1) * 2, 0, 0) });
                if (b == 2)
                {
                    store.AddMarker("s1", new Marker(new RigTime(50_000), "door"));
                    Ack("marker");
                }
            }
            Ack("consent", new LiteDbConsentStore(store).Add(new ConsentRecord("", "subj-1", ["audio"], "training", DateTimeOffset.UnixEpoch, null, "f", ["s1"], DateTimeOffset.UnixEpoch, "ana")).Id);
            store.CloseSession("s1", new RigTime(900_000), SessionState.Complete, "stopped");
            Ack("closed");
        }
        var ops = files.Operations;
        var random = new Random(5);
        int replays = 0;
        for (int cut = 0; cut <= ops.Count; cut++)
        {
            Check(ops, acks, cut, ReplayMode.Ordered, torn: -1);
            Check(ops, acks, cut, ReplayMode.Synced, torn: -1);
            replays += 2;
            if (cut < ops.Count && ops[cut] is RecordingFileLayer.Written w && w.Bytes.Length > 1)
            {
                Check(ops, acks, cut, ReplayMode.Ordered, torn: 1 + random.Next(w.Bytes.Length - 1));
                replays++;
            }
        }
        output.WriteLine($"{ops.Count} recorded operations ({ops.Count(o => o is RecordingFileLayer.Synced or RecordingFileLayer.DirectorySynced)} syncs), {acks.Count} acknowledged calls, {replays} replays");
        Assert.True(ops.Count > 30 && acks.Count == 5 + Batches, "the workload recorded too little to mean anything");
    }

    private enum ReplayMode { Ordered, Synced }

    private void Check(IReadOnlyList<RecordingFileLayer.Operation> ops, List<Acknowledged> acks, int cut, ReplayMode mode, int torn)
    {
        string dir = Path.Combine(_dir, $"replay-{mode}-{cut}-{torn}");
        Replay(ops, cut, mode, torn, dir);
        var done = acks.Where(a => a.At <= cut).ToList();
        string at = $"{mode} cut {cut}/{ops.Count}{(torn >= 0 ? $" torn at {torn} bytes" : "")}, acknowledged: {string.Join(", ", done.Select(a => a.What + a.Detail))}";
        try
        {
            using var store = new LiteDbSessionStore(dir, new SessionStoreOptions { FreeSpaceReserveBytes = 0 });
            store.RecoverOpenSessions();
            foreach (var a in done)
            {
                switch (a.What)
                {
                    case "token":
                        Assert.NotNull(new LiteDbTokenStore(store).Validate(a.Detail, DateTimeOffset.UtcNow));
                        break;
                    case "session":
                        Assert.Equal(2, store.GetSession("s1").Streams.Count);
                        break;
                    case "chunks":
                        int b = int.Parse(a.Detail);
                        var chunks = store.ListChunks("s1");
                        foreach (var (d, count) in new[] { (Imu, 40), (Cam, 2) })
                        {
                            var c = Assert.Single(chunks, c => c.Stream == d.Id && c.Index == b);
                            var samples = ChunkFormat.Decode(c, store.ReadChunk("s1", c));
                            Assert.Equal(Samples(d, b, count, d == Imu ? 24 : 2000).Select(s => s.Payload.ToArray()), samples.Select(s => s.Payload.ToArray()));
                        }
                        break;
                    case "marker":
                        Assert.Contains(store.GetSession("s1").Markers, m => m.Label == "door");
                        break;
                    case "consent":
                        Assert.Equal("subj-1", new LiteDbConsentStore(store).Get(a.Detail).Subject);
                        break;
                    case "closed":
                        Assert.Equal(SessionState.Complete, store.GetSession("s1").Session.State);
                        break;
                }
            }
            // whatever else survived reads back whole: nothing half-written is served
            if (store.ListSessions().Any(s => s.Session.Id == "s1"))
                foreach (var c in store.ListChunks("s1")) ChunkFormat.Decode(c, store.ReadChunk("s1", c));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{at}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Builds the directory a power cut after <paramref name="cut"/> operations could leave.</summary>
    private static void Replay(IReadOnlyList<RecordingFileLayer.Operation> ops, int cut, ReplayMode mode, int torn, string dir)
    {
        var current = new Dictionary<string, List<byte>>();
        var synced = new Dictionary<string, byte[]>();
        var pendingEntries = new HashSet<string>();
        var durableEntries = new HashSet<string>();
        void Apply(RecordingFileLayer.Operation op, int limit)
        {
            switch (op)
            {
                case RecordingFileLayer.Created c:
                    current[c.Path] = [];
                    pendingEntries.Add(c.Path);
                    break;
                case RecordingFileLayer.Written w:
                    var file = current[w.Path];
                    int n = Math.Min(limit, w.Bytes.Length);
                    while (file.Count < w.Offset + n) file.Add(0);
                    for (int i = 0; i < n; i++) file[(int)w.Offset + i] = w.Bytes[i];
                    break;
                case RecordingFileLayer.Truncated t:
                    var f = current[t.Path];
                    if (f.Count > t.Length) f.RemoveRange((int)t.Length, f.Count - (int)t.Length);
                    while (f.Count < t.Length) f.Add(0);
                    break;
                case RecordingFileLayer.Synced s:
                    synced[s.Path] = current[s.Path].ToArray();
                    break;
                case RecordingFileLayer.DirectorySynced d:
                    foreach (var p in pendingEntries.Where(p => Path.GetDirectoryName(p) == d.Path).ToList())
                    {
                        durableEntries.Add(p);
                        pendingEntries.Remove(p);
                    }
                    break;
            }
        }
        for (int i = 0; i < cut; i++) Apply(ops[i], int.MaxValue);
        if (torn >= 0 && cut < ops.Count) Apply(ops[cut], torn);
        Directory.CreateDirectory(Path.Combine(dir, "sessions"));
        var survivors = mode == ReplayMode.Ordered
            ? current.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray())
            : durableEntries.ToDictionary(p => p, p => synced.GetValueOrDefault(p, []));
        foreach (var (path, bytes) in survivors) File.WriteAllBytes(Path.Combine(dir, path), bytes);
    }
}

/// <summary>Records every change to the store's durable files (paths relative to the data directory), then makes it.</summary>
internal sealed class RecordingFileLayer(string root) : FileLayer
{
    public abstract record Operation;
    public sealed record Created(string Path) : Operation;
    public sealed record Written(string Path, long Offset, byte[] Bytes) : Operation;
    public sealed record Truncated(string Path, long Length) : Operation;
    public sealed record Synced(string Path) : Operation;
    public sealed record DirectorySynced(string Path) : Operation;

    private readonly List<Operation> _ops = [];

    public int Count { get { lock (_ops) return _ops.Count; } }

    public IReadOnlyList<Operation> Operations { get { lock (_ops) return _ops.ToList(); } }

    private string Relative(string path) => Path.GetRelativePath(root, path) is "." ? "" : Path.GetRelativePath(root, path);

    private void Add(Operation op) { lock (_ops) _ops.Add(op); }

    public override SafeFileHandle Open(string path, bool create)
    {
        if (create && !File.Exists(path)) Add(new Created(Relative(path)));
        return base.Open(path, create);
    }

    public override void Write(SafeFileHandle handle, string path, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long offset)
    {
        var bytes = new byte[buffers.Sum(b => b.Length)];
        int at = 0;
        foreach (var b in buffers) { b.Span.CopyTo(bytes.AsSpan(at)); at += b.Length; }
        Add(new Written(Relative(path), offset, bytes));
        base.Write(handle, path, buffers, offset);
    }

    public override void Write(SafeFileHandle handle, string path, ReadOnlySpan<byte> bytes, long offset)
    {
        Add(new Written(Relative(path), offset, bytes.ToArray()));
        base.Write(handle, path, bytes, offset);
    }

    public override void SetLength(SafeFileHandle handle, string path, long length)
    {
        Add(new Truncated(Relative(path), length));
        base.SetLength(handle, path, length);
    }

    public override void Flush(SafeFileHandle handle, string path)
    {
        Add(new Synced(Relative(path)));
        base.Flush(handle, path);
    }

    public override void SyncDirectory(string directory)
    {
        Add(new DirectorySynced(Relative(Path.GetFullPath(directory))));
        base.SyncDirectory(directory);
    }
}
