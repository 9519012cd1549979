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
    /// <summary>Rig-time error bound: p99 above SyncWarnMs warns; the median above SyncFailMs fails (most samples badly timed). A
    /// clock mapping's settling at the start of a session (an honest 50 ms bound for its first ~0.5 s) therefore only warns.</summary>
    public double SyncWarnMs { get; init; } = 5;
    public double SyncFailMs { get; init; } = 20;
    /// <summary>Frozen (identical) or black camera frames in a row that fail.</summary>
    public int FrozenFailFrames { get; init; } = 15;
    public int BlackFailFrames { get; init; } = 15;
    /// <summary>Frozen or black camera frames in a row that warn (shorter runs are only counted).</summary>
    public int FrozenWarnFrames { get; init; } = 3;
    public int BlackWarnFrames { get; init; } = 3;
    /// <summary>
    /// A frame is frozen when its bytes equal the previous frame's, or when no pixel of the two reduced grey images
    /// (about 160 px wide) differs by more than this. Sensor noise of a live camera on a still scene differs by 1-2 levels.
    /// </summary>
    public int FrozenMaxPixelDiff { get; init; }
    /// <summary>A frame is black when its mean grey level is under BlackMaxLevel and its standard deviation under BlackMaxStdDev (0-255).</summary>
    public double BlackMaxLevel { get; init; } = 10;
    public double BlackMaxStdDev { get; init; } = 5;
    /// <summary>Share of saturated pixels (grey level 250 or more) in a frame that counts as over-exposed.</summary>
    public double SaturatedWarnRatio { get; init; } = 0.2;
    /// <summary>Share of over-exposed frames that warns.</summary>
    public double OverexposedFramesWarnRatio { get; init; } = 0.1;
    /// <summary>Variance of the Laplacian under which a frame counts as blurred, measured on the frame reduced to 160-319 px wide.</summary>
    public double BlurWarnVariance { get; init; } = 20;
    /// <summary>Share of blurred frames (of those neither black nor over-exposed) that warns.</summary>
    public double BlurredFramesWarnRatio { get; init; } = 0.5;
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
    /// <summary>LIDAR: a scan with at least this share of zero ranges is blind; a blind stretch is judged like a gap of its length.</summary>
    public double LidarBlindScanRatio { get; init; } = 0.9;
    /// <summary>A stream without samples for this long at the end of the observed data fails (stalled); a first sample this late after the start warns.</summary>
    public double StallFailSeconds { get; init; } = 2;
    /// <summary>Share of samples whose payload is malformed (wrong size, undecodable JPEG) that fails; any warns.</summary>
    public double MalformedFailRatio { get; init; } = 0.01;
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
        if (FrozenWarnFrames < 2 || FrozenWarnFrames > FrozenFailFrames)
            throw new RigProfileException(file, "qa.frozenWarnFrames", $"must be >= 2 and <= qa.frozenFailFrames ({FrozenFailFrames}), was {FrozenWarnFrames}");
        if (BlackWarnFrames < 1 || BlackWarnFrames > BlackFailFrames)
            throw new RigProfileException(file, "qa.blackWarnFrames", $"must be >= 1 and <= qa.blackFailFrames ({BlackFailFrames}), was {BlackWarnFrames}");
        void Range(string name, double value, double min, double max)
        {
            if (!(value >= min && value <= max)) throw new RigProfileException(file, $"qa.{name}", $"must be in [{min}, {max}], was {value}");
        }
        Range("frozenMaxPixelDiff", FrozenMaxPixelDiff, 0, 255);
        Range("blackMaxLevel", BlackMaxLevel, 0, 255);
        Range("blackMaxStdDev", BlackMaxStdDev, 0, 255);
        Range("saturatedWarnRatio", SaturatedWarnRatio, 0, 1);
        Range("overexposedFramesWarnRatio", OverexposedFramesWarnRatio, 0, 1);
        Range("blurWarnVariance", BlurWarnVariance, 0, double.MaxValue);
        Range("blurredFramesWarnRatio", BlurredFramesWarnRatio, 0, 1);
        Range("silenceDbfs", SilenceDbfs, -200, 0);
        Range("silenceWarnSeconds", SilenceWarnSeconds, 0, double.MaxValue);
        Range("stuckAxisFailSeconds", StuckAxisFailSeconds, 0.001, double.MaxValue);
        Range("lidarBlindScanRatio", LidarBlindScanRatio, 0.001, 1);
        Range("stallFailSeconds", StallFailSeconds, 0.1, double.MaxValue);
        Range("malformedFailRatio", MalformedFailRatio, 0, 1);
        Range("calibrationMaxAgeDays", CalibrationMaxAgeDays, 0, double.MaxValue);
    }
}
