namespace EdgeRig.Benchmarks;

/// <summary>How long or how much each bench measures: the full defaults, or the tiny sizes of `scripts/bench smoke`.</summary>
public sealed record BenchSizes
{
    public double SliceSeconds { get; init; } = 30;
    public double SliceBaselineSeconds { get; init; } = 10;
    /// <summary>slice: session starts timed to the first sample of every stream in the store, each with and without the short first flush.</summary>
    public int SliceStarts { get; init; } = 20;
    public double StoreSeconds { get; init; } = 20;
    public int StoreSmallSamples { get; init; } = 1_000_000;
    public double SoakMinutes { get; init; } = 10;
    public double ServiceSoakMinutes { get; init; } = 10;
    /// <summary>service-soak: the folder holding edgerig-service (null: the Release build in the tree; give a `dotnet publish`
    /// output to measure what is installed, e.g. ReadyToRun).</summary>
    public string? ServiceDir { get; init; }
    public int PullMiB { get; init; } = 1024;
    public int UploadMiB { get; init; } = 1024;
    public int UploadRuns { get; init; } = 3;
    public double SyncSeconds { get; init; } = 120;
    public double ExportSeconds { get; init; } = 34;
    public double DriversSeconds { get; init; } = 10;
    public double QaSeconds { get; init; } = 20;
    public double PrivacySeconds { get; init; } = 30;
    public int PrivacyRuns { get; init; } = 5;
    public double JpegSeconds { get; init; } = 20;
    public int MovingFaceFrames { get; init; } = 2000;
    public int JpegRuns { get; init; } = 5;
    public int CalibrationSeeds { get; init; } = 5;
    public int CalibrationStimuli { get; init; } = 30;
    public double CalibrationMotionSeconds { get; init; } = 15;
    /// <summary>spatial: world seeds, each a whole recorded calibration script (47 s of virtual time) and its solve.</summary>
    public int SpatialSeeds { get; init; } = 5;

    /// <summary>
    /// Seconds per bench: enough for each to go through every step and produce its rows, nothing more. Sync counts errors only
    /// after its first 10 s, and a stimulus calibration needs 5 events per stream.
    /// </summary>
    public static BenchSizes Smoke { get; } = new()
    {
        SliceSeconds = 2, SliceBaselineSeconds = 1, SliceStarts = 2, StoreSeconds = 0.5, StoreSmallSamples = 20_000, SoakMinutes = 0.05, ServiceSoakMinutes = 0.3, PullMiB = 8, UploadMiB = 24, UploadRuns = 1,
        SyncSeconds = 11, ExportSeconds = 1, DriversSeconds = 0.5, QaSeconds = 1, PrivacySeconds = 0.5, PrivacyRuns = 1, JpegSeconds = 0.4, JpegRuns = 1, MovingFaceFrames = 30,
        CalibrationSeeds = 1, CalibrationStimuli = 8, CalibrationMotionSeconds = 6, SpatialSeeds = 1,
    };
}
