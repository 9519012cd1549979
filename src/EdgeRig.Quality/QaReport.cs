using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>The rig's calibration profile a session uses, for the report's calibration age check.</summary>
public sealed record CalibrationInfo(string Profile, DateTimeOffset CreatedAt);

/// <summary>
/// One problem the QA analysis found, in words and, where it has one, with the stretch of rig time it covers.
/// <see cref="Stream"/> is <see cref="QaReport.SessionWide"/> for findings about the whole session (calibration).
/// </summary>
public sealed record QaFinding(string Stream, string Check, QaVerdict Verdict, string Message, RigTime? From, RigTime? To);

/// <summary>One gate: the measured value against its warn and fail thresholds (null where a check has no such threshold or no value yet).</summary>
public sealed record QaCheck(string Check, QaVerdict Verdict, double? Value, string Unit, double? WarnAt, double? FailAt);

/// <summary>A stretch of rig time, also as seconds since the session start.</summary>
public sealed record QaSpan(RigTime From, RigTime To, double FromSeconds, double ToSeconds, long Count)
{
    public double Seconds => ToSeconds - FromSeconds;
}

/// <summary>Intervals longer than the gap limit (2.5 nominal periods): how many, their total and longest length, the longest ones listed.</summary>
public sealed record QaGaps(long Count, double TotalSeconds, double LongestSeconds, IReadOnlyList<QaSpan> Listed);

/// <summary>The rig-time error bounds of a stream's samples (from the recorder's statistics).</summary>
public sealed record QaSync(long Count, double P50Ms, double P99Ms, double MaxMs);

/// <summary>Camera signal figures. Pixel statistics come from the JPEG decoded in grey at 1/<see cref="Scale"/> size (DCT scaling).</summary>
public sealed record CameraQa(
    long Frames, long Undecodable, int Scale, int AnalysisWidth, int AnalysisHeight,
    double MeanLevel, double MinLevel, double MaxLevel, double MeanSaturatedShare, long OverexposedFrames,
    double? BlurMedian, long BlurredFrames, long FrozenFrames, long LongestFrozenRun, long BlackFrames, long LongestBlackRun);

/// <summary>Audio signal figures: RMS level in dBFS (20·log10(rms / 32768), -120 for digital silence), clipping and silent stretches.</summary>
public sealed record AudioQa(
    long Blocks, int Channels, double SampleRateHz, double MeanDbfs, double MinBlockDbfs, double MaxBlockDbfs,
    long Samples, long ClippedSamples, double ClippedShare, long SilentStretches, double SilentSeconds, double LongestSilenceSeconds);

/// <summary>IMU signal figures: samples at full scale, and axes whose value did not change.</summary>
public sealed record ImuQa(
    long Samples, double AccelFullScale, double GyroFullScale, long SaturatedSamples, double SaturatedShare,
    long StuckStretches, double LongestStuckSeconds, IReadOnlyList<string> StuckAxes);

/// <summary>LIDAR signal figures: points per scan, zero (no return) ranges, and blind scans.</summary>
public sealed record LidarQa(
    long Scans, double MeanPoints, long MinPoints, long MaxPoints, long Points, long ZeroPoints, double ZeroShare,
    long BlindScans, double LongestBlindSeconds);

/// <summary>Everything the QA analysis says about one stream: counts, timing, sync, signal figures and the gates it was held to.</summary>
public sealed record StreamQa(
    string Stream, Modality Modality, string Encoding, QaVerdict Verdict,
    long Produced, long Recorded, long Dropped, long Observed,
    double NominalRateHz, double? EffectiveRateHz, double? RateRatio, RigTime? FirstSample, RigTime? LastSample,
    QaGaps Gaps, double? JitterP50Ms, double? JitterP99Ms, long SequenceViolations, long TimestampViolations,
    QaSync? Sync, IReadOnlyList<QaCheck> Checks,
    CameraQa? Camera = null, AudioQa? Audio = null, ImuQa? Imu = null, LidarQa? Lidar = null);

/// <summary>
/// The QA report of a session, live (from what was observed so far) or final. Its verdict is the worst of its
/// streams' and of the session-wide checks (calibration); findings come worst first.
/// </summary>
public sealed record QaReport(
    QaVerdict Verdict, bool Final, RigTime GeneratedAt, RigTime SessionStart, double ElapsedSeconds,
    string Calibration, double? CalibrationAgeDays, IReadOnlyList<QaCheck> Checks,
    IReadOnlyList<StreamQa> Streams, IReadOnlyList<QaFinding> Findings, QaProfile Thresholds)
{
    /// <summary>The stream name of findings and checks about the whole session.</summary>
    public const string SessionWide = "*";

    /// <summary>The report as JSON: camelCase names, verdicts and modalities as lower-case strings, rig times as ISO 8601 with nanoseconds.</summary>
    public string ToJson() => QaJson.Serialize(this);

    /// <exception cref="System.Text.Json.JsonException">the text is not a QA report.</exception>
    public static QaReport FromJson(string json) => QaJson.Deserialize(json);

    /// <summary>The report of one stream, or null if the session has no such stream.</summary>
    public StreamQa? Stream(string id) => Streams.FirstOrDefault(s => s.Stream == id);
}
