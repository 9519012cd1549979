using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;
using EdgeRig.Privacy;

namespace EdgeRig.Service.Privacy;

/// <summary>A session as it may leave the rig: withheld streams left out, camera frames of the streams to redact blurred on the way.</summary>
public sealed class EgressSessionSource : ISessionSource
{
    private readonly ISessionSource _inner;
    private readonly EgressPolicy.Decision _decision;
    private readonly IFrameRedactor? _redactor;
    private int _framesRedacted;

    /// <exception cref="InvalidRigStateException">camera streams must be redacted and there is no redactor (the message says why:
    /// <paramref name="redactorUnavailable"/>).</exception>
    public EgressSessionSource(ISessionSource inner, EgressPolicy.Decision decision, IFrameRedactor? redactor,
        string redactorUnavailable = "not configured (privacy.faceCascade)")
    {
        if (decision.Redact.Count > 0 && redactor is null)
            throw new InvalidRigStateException($"camera streams {string.Join(", ", decision.Redact)} must be redacted to leave the rig, and face redaction is {redactorUnavailable}");
        _inner = inner;
        _decision = decision;
        _redactor = redactor;
        Record = inner.Record with { Streams = inner.Record.Streams.Where(s => !decision.Withheld.ContainsKey(s.Id.Value)).ToList() };
        Chunks = inner.Chunks.Where(c => !decision.Withheld.ContainsKey(c.Stream.Value)).ToList();
    }

    public SessionRecord Record { get; }
    public IReadOnlyList<ChunkInfo> Chunks { get; }

    /// <summary>Camera frames in which faces were found and blurred.</summary>
    public int FramesRedacted => Volatile.Read(ref _framesRedacted);

    public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        if (!_inner.TryReadChunk(chunk, out samples, out problem)) return false;
        if (!_decision.Redact.Contains(chunk.Stream.Value)) return true;
        var redacted = new List<Sample>(samples.Count);
        foreach (var s in samples)
        {
            var (jpeg, changed) = _redactor!.Redact(s.Payload);
            if (changed) Interlocked.Increment(ref _framesRedacted);
            redacted.Add(s with { Payload = jpeg });
        }
        samples = redacted;
        return true;
    }
}
