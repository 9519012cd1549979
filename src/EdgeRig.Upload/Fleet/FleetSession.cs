using EdgeRig.Formats;

namespace EdgeRig.Upload.Fleet;

/// <summary>
/// One session in the bucket as the fleet view lists it, read from its <c>manifest.json</c>: the rig and session id (the
/// key components), what the pulled session says of itself (name, operator, tags, start and stop in rig time, state,
/// streams, chunks the rig could not deliver), what the upload manifest adds (size, objects, the MCAP export, the QA
/// verdict and calibration when the uploader knew them) and when it was committed (the manifest's LastModified).
/// <see cref="Committed"/> false: objects without a manifest (an upload under way or cut off), listed only on request.
/// </summary>
public sealed record FleetSession(string Rig, string Id, bool Committed)
{
    public string Name { get; init; } = "";
    public string Operator { get; init; } = "";
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Rig time (Unix ns, UTC) of the first and last sample; 0 when unknown.</summary>
    public long StartNs { get; init; }

    public long StopNs { get; init; }

    public DateTimeOffset? Start => StartNs > 0 ? DateTimeOffset.UnixEpoch.AddTicks(StartNs / 100) : null;

    public double DurationSeconds => StopNs > StartNs ? (StopNs - StartNs) / 1e9 : 0;

    /// <summary>The recording state and why it stopped, as the rig recorded them.</summary>
    public string State { get; init; } = "";

    public string StopReason { get; init; } = "";

    /// <summary>All objects of the session (chunks and exports), bytes.</summary>
    public long Bytes { get; init; }

    public int Objects { get; init; }

    /// <summary>pass | warn | fail, or null when the upload manifest does not carry it (the pulled manifest has no QA).</summary>
    public string? QaVerdict { get; init; }

    /// <summary>NAME@VERSION, or null when the upload manifest does not carry it.</summary>
    public string? Calibration { get; init; }

    public IReadOnlyList<string> Streams { get; init; } = [];

    /// <summary>Chunks the rig could not deliver (damaged on its disk); 0 for a whole session.</summary>
    public int MissingChunks { get; init; }

    /// <summary>The SESSION.mcap export is in the bucket.</summary>
    public bool HasMcap { get; init; }

    /// <summary>The session's own hash (over every chunk's SHA-256), as `edgerig pull` prints it.</summary>
    public string SessionSha256 { get; init; } = "";

    public string Software { get; init; } = "";

    /// <summary>When the manifest was written (the upload's commit); null for an uncommitted session.</summary>
    public DateTimeOffset? UploadedAt { get; init; }

    /// <summary>The entry for a committed session, from its upload manifest.</summary>
    public static FleetSession From(UploadManifest m, DateTimeOffset uploadedAt)
    {
        var pulled = m.PulledSession;
        var s = pulled?.Session;
        return new FleetSession(m.Rig, m.Session, Committed: true)
        {
            Name = s?.Name ?? "", Operator = s?.Operator ?? "", Tags = s?.Tags ?? new Dictionary<string, string>(),
            StartNs = s?.StartNs ?? 0, StopNs = s?.StopNs ?? 0, State = s?.State ?? "", StopReason = s?.StopReason ?? "",
            Bytes = m.TotalBytes, Objects = m.Objects.Count, QaVerdict = m.QaVerdict, Calibration = m.Calibration,
            Streams = pulled is null ? [] : [.. pulled.Streams.Select(x => x.Id)], MissingChunks = pulled?.Missing.Count ?? 0,
            HasMcap = m.Objects.Any(o => o.Path == ObjectLayout.McapName(m.Session)), SessionSha256 = pulled?.SessionSha256 ?? "",
            Software = m.Software, UploadedAt = uploadedAt,
        };
    }
}

/// <summary>A manifest the catalogue could not use (unreadable, another format, naming another session): skipped and said why.</summary>
public sealed record FleetProblem(string Key, string Reason);

/// <summary>What <see cref="FleetCatalogue.ListAsync"/> found: the sessions that match, oldest first, and the manifests it skipped.</summary>
public sealed record FleetListing(IReadOnlyList<FleetSession> Sessions, IReadOnlyList<FleetProblem> Skipped);

/// <summary>
/// Which sessions to list: any of <see cref="Rigs"/> (none: every rig), started in [<see cref="Since"/>, <see cref="Until"/>),
/// carrying every tag of <see cref="Tags"/> ("key" has the tag, "key=value" has it with that value). Uncommitted sessions
/// are listed only with <see cref="IncludeIncomplete"/> and only when no time or tag filter is given (they have no manifest
/// to say either).
/// </summary>
public sealed record FleetFilter
{
    public IReadOnlyList<string> Rigs { get; init; } = [];
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public bool IncludeIncomplete { get; init; }

    public static readonly FleetFilter All = new();

    internal bool ByContent => Since is not null || Until is not null || Tags.Count > 0;

    public bool Matches(FleetSession s)
    {
        if (Rigs.Count > 0 && !Rigs.Contains(s.Rig)) return false;
        if (!s.Committed) return IncludeIncomplete && !ByContent;
        if (Since is { } since && (s.Start is not { } start1 || start1 < since)) return false;
        if (Until is { } until && (s.Start is not { } start2 || start2 >= until)) return false;
        return Tags.All(t => HasTag(s.Tags, t));
    }

    private static bool HasTag(IReadOnlyDictionary<string, string> tags, string wanted)
    {
        int eq = wanted.IndexOf('=');
        return eq < 0 ? tags.ContainsKey(wanted) : tags.TryGetValue(wanted[..eq], out var value) && value == wanted[(eq + 1)..];
    }
}
