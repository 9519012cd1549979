namespace EdgeRig.Core;

public enum SessionState { Recording, Complete, Recovered }

/// <summary>A marker dropped by a technician (or the marker button) during a session.</summary>
public sealed record Marker(RigTime Time, string Label, string Note = "", string Source = "user");

/// <summary>Per-stream counts of one session: produced = recorded + dropped, always.</summary>
public sealed record StreamCounts(long Produced, long Recorded, long Dropped, long SensorGaps)
{
    public static readonly StreamCounts Empty = new(0, 0, 0, 0);
}

/// <summary>A recording session and its metadata as kept in the catalogue.</summary>
public sealed record Session(
    string Id,
    string Name,
    string Operator,
    IReadOnlyDictionary<string, string> Tags,
    RigTime Start,
    RigTime? Stop,
    SessionState State,
    string RigName)
{
    public string StopReason { get; init; } = "";

    /// <summary>The calibration profile applied when the session is read or exported ("NAME@VERSION"; empty: none).
    /// Starts as the rig's latest profile at recording time; `calibrate apply` changes it, never the stored samples.</summary>
    public string Calibration { get; init; } = "";
}

/// <summary>Thrown when input names a session that does not exist.</summary>
public sealed class SessionNotFoundException(string id) : Exception($"session '{id}' not found")
{
    public string SessionId { get; } = id;
}

/// <summary>Thrown when input names something else that does not exist (a calibration profile, ...); the message names it.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>Thrown when an operation is not valid in the rig's current state (e.g. stop while idle).</summary>
public sealed class InvalidRigStateException(string message) : Exception(message);
