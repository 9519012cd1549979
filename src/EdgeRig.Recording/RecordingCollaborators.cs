using EdgeRig.Core;

namespace EdgeRig.Recording;

/// <summary>Asked before a session starts: a reason to refuse it now (e.g. PTP not locked), or null to let it start.</summary>
public interface IRecordingStartGate
{
    string? RefusalReason();
}

/// <summary>The calibration profile ("NAME@VERSION") a new session starts with, or null for none.</summary>
public interface IActiveCalibration
{
    string? ProfileReference();
}

/// <summary>Follows each session's life: makes its observer (the QA analysis) as it starts, finishes its reports once it is closed.</summary>
public interface ISessionLifecycle
{
    /// <summary>A session is about to start: the observer of its samples, or null for none.</summary>
    ISessionObserver? Starting(Session session, IReadOnlyList<StreamDescriptor> streams);

    /// <summary>A session was closed; <paramref name="observer"/> is what <see cref="Starting"/> returned. A failure here is
    /// logged by the pipeline and the session stays recorded.</summary>
    void Finished(SessionRecord record, ISessionObserver? observer);
}

/// <summary>What the recording pipeline asks of the rest of the rig, given at construction and never changed.</summary>
public sealed record RecordingCollaborators(IRecordingStartGate StartGate, IActiveCalibration Calibration, ISessionLifecycle Lifecycle)
{
    /// <summary>No gate, no calibration, no observer: a pipeline that only records (tests, benchmarks, tools).</summary>
    public static RecordingCollaborators None { get; } = new(Nothing.Instance, Nothing.Instance, Nothing.Instance);

    private sealed class Nothing : IRecordingStartGate, IActiveCalibration, ISessionLifecycle
    {
        public static readonly Nothing Instance = new();
        public string? RefusalReason() => null;
        public string? ProfileReference() => null;
        public ISessionObserver? Starting(Session session, IReadOnlyList<StreamDescriptor> streams) => null;
        public void Finished(SessionRecord record, ISessionObserver? observer) { }
    }
}
