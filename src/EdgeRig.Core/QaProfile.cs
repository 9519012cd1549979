namespace EdgeRig.Core;

/// <summary>QA gate thresholds (rig file section "qa"). A metric past its warn threshold warns; past its fail threshold fails.</summary>
public sealed record QaProfile
{
    /// <summary>Effective rate below this share of nominal warns / fails.</summary>
    public double RateWarnRatio { get; init; } = 0.98;
    public double RateFailRatio { get; init; } = 0.90;
    /// <summary>Gaps (longer than two nominal periods): total gap time above these warns / fails.</summary>
    public double GapWarnSeconds { get; init; } = 0.2;
    public double GapFailSeconds { get; init; } = 1.0;
    /// <summary>Dropped share of produced samples.</summary>
    public double DropWarnRatio { get; init; } = 0.001;
    public double DropFailRatio { get; init; } = 0.01;
    /// <summary>Rig-time error bound p99 above these warns / fails.</summary>
    public double SyncWarnMs { get; init; } = 5;
    public double SyncFailMs { get; init; } = 20;
    /// <summary>Frozen (identical) or black camera frames in a row that fail.</summary>
    public int FrozenFailFrames { get; init; } = 15;
    public int BlackFailFrames { get; init; } = 15;
    /// <summary>Share of saturated pixels in a frame that counts as over-exposed.</summary>
    public double SaturatedWarnRatio { get; init; } = 0.2;
    /// <summary>Variance of the Laplacian under which a frame counts as blurred.</summary>
    public double BlurWarnVariance { get; init; } = 20;
    /// <summary>Share of clipped audio samples that warns / fails.</summary>
    public double ClipWarnRatio { get; init; } = 0.0001;
    public double ClipFailRatio { get; init; } = 0.001;
    /// <summary>Audio RMS under this (dBFS) for longer than SilenceWarnSeconds is a silent stretch.</summary>
    public double SilenceDbfs { get; init; } = -70;
    public double SilenceWarnSeconds { get; init; } = 2;
    /// <summary>IMU: an axis that does not change for this long is stuck (fails).</summary>
    public double StuckAxisFailSeconds { get; init; } = 1;
    /// <summary>IMU: share of samples at full scale that warns / fails.</summary>
    public double ImuSaturationWarnRatio { get; init; } = 0.001;
    public double ImuSaturationFailRatio { get; init; } = 0.01;
    /// <summary>LIDAR: share of zero ranges that warns / fails.</summary>
    public double LidarZeroWarnRatio { get; init; } = 0.2;
    public double LidarZeroFailRatio { get; init; } = 0.5;
    /// <summary>A calibration profile older than this warns.</summary>
    public double CalibrationMaxAgeDays { get; init; } = 90;

    internal void Validate(string file)
    {
        void Pair(string name, double warn, double fail, bool higherIsWorse = true)
        {
            if (warn < 0 || fail < 0) throw new RigProfileException(file, $"qa.{name}", $"thresholds must be >= 0 (warn {warn}, fail {fail})");
            if (higherIsWorse ? warn > fail : warn < fail)
                throw new RigProfileException(file, $"qa.{name}", $"the warn threshold {warn} is past the fail threshold {fail}");
        }
        Pair("rateWarnRatio", RateWarnRatio, RateFailRatio, higherIsWorse: false);
        Pair("gapWarnSeconds", GapWarnSeconds, GapFailSeconds);
        Pair("dropWarnRatio", DropWarnRatio, DropFailRatio);
        Pair("syncWarnMs", SyncWarnMs, SyncFailMs);
        Pair("clipWarnRatio", ClipWarnRatio, ClipFailRatio);
        Pair("imuSaturationWarnRatio", ImuSaturationWarnRatio, ImuSaturationFailRatio);
        Pair("lidarZeroWarnRatio", LidarZeroWarnRatio, LidarZeroFailRatio);
        if (FrozenFailFrames < 2) throw new RigProfileException(file, "qa.frozenFailFrames", $"must be >= 2, was {FrozenFailFrames}");
        if (BlackFailFrames < 1) throw new RigProfileException(file, "qa.blackFailFrames", $"must be >= 1, was {BlackFailFrames}");
    }
}
