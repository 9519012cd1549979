using EdgeRig.Core;

namespace EdgeRig.Timing;

/// <summary>Settings of one stream's <see cref="ClockMapper"/>.</summary>
public sealed record ClockMapperOptions
{
    /// <summary>Nominal ticks per second of the sensor counter.</summary>
    public required double TickRateHz { get; init; }

    /// <summary>The counter wraps to zero at this value (e.g. 30000 for a millisecond stamp mod 30 s); 0 means it never wraps.</summary>
    public long WrapModulus { get; init; }

    /// <summary>How many recent (sensor, host) pairs the estimate uses.</summary>
    public int WindowSize { get; init; } = 512;

    /// <summary>Pairs closer together than this (host time) share one slot that keeps only the lowest-delay pair, so the window spans WindowSize slots.</summary>
    public Duration SlotLength { get; init; } = Duration.FromMilliseconds(50);

    /// <summary>The bound given while the window holds too few slots to say more.</summary>
    public Duration InitialBound { get; init; } = Duration.FromMilliseconds(50);

    /// <summary>Largest plausible rate error of the sensor oscillator; estimates beyond it are clamped.</summary>
    public double MaxDriftPpm { get; init; } = 300;

    /// <summary>A pair this far below the envelope means the sensor clock jumped: the estimate restarts.</summary>
    public Duration JumpThreshold { get; init; } = Duration.FromMilliseconds(20);

    /// <summary>Three pairs in a row this far above the envelope mean the clocks parted: the estimate restarts.</summary>
    public Duration MaxDeliveryDelay { get; init; } = Duration.FromMilliseconds(500);
}

/// <summary>
/// Maps a stream's sensor clock onto host monotonic time, and from there onto rig time.
/// Delivery delay only ever adds, so the estimate is the lower envelope of the (sensor, host) pairs:
/// the lower convex hull edge under the window's mean (the line below every pair that lies highest on
/// average, as in TICSync), with drift clamped to a plausible range. Counter wrap-around is unwrapped,
/// backwards jumps and long stalls reset the estimate, and every mapping carries an error bound.
/// Not thread-safe: one mapper belongs to one capture loop.
/// </summary>
public sealed class ClockMapper
{
    private readonly ClockMapperOptions _options;
    private readonly IRigClock _rigClock;
    private readonly double _nsPerTick;
    private readonly long[] _ticks;
    private readonly long[] _host;
    private int _start, _count;
    private long _lastRaw = long.MinValue, _wrapOffset;
    private int _highInARow;
    private int _sinceFit;

    // fitted line in residual space: y = host - h0 - x, x = (ticks - t0) * nsPerTick
    private long _t0, _h0;
    private double _lineAtXa, _xa, _slope, _floorNs, _spanNs;
    private bool _fitted;

    public ClockMapper(ClockMapperOptions options, IRigClock rigClock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.TickRateHz, 0, nameof(options.TickRateHz));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WindowSize, 2, nameof(options.WindowSize));
        _options = options;
        _rigClock = rigClock;
        _nsPerTick = 1e9 / options.TickRateHz;
        _ticks = new long[options.WindowSize];
        _host = new long[options.WindowSize];
    }

    /// <summary>How many times the estimate restarted (reconnects, clock jumps).</summary>
    public int Resets { get; private set; }

    /// <summary>Estimated rate error of the sensor clock against host monotonic, in parts per million.</summary>
    public double DriftPpm => _fitted ? -_slope * 1e6 : 0;

    /// <summary>Pairs currently in the estimate.</summary>
    public int PairCount => _count;

    /// <summary>Forgets every pair, e.g. after the device reconnected.</summary>
    public void Reset()
    {
        _start = _count = 0;
        _lastRaw = long.MinValue;
        _wrapOffset = 0;
        _fitted = false;
        _highInARow = 0;
        Resets++;
    }

    /// <summary>Adds the pair seen for one sample and returns that sample's rig time with its error bound.</summary>
    public RigTimestamp Map(SensorTime sensor, HostTime host)
    {
        long ticks = Unwrap(sensor.Ticks);
        if (_fitted)
        {
            double residual = host.Nanoseconds - Predict(ticks);
            if (residual < -_options.JumpThreshold.Nanoseconds)
            {
                Reset();
                ticks = Unwrap(sensor.Ticks);
            }
            else if (residual > _options.MaxDeliveryDelay.Nanoseconds)
            {
                if (++_highInARow >= 3)
                {
                    Reset();
                    ticks = Unwrap(sensor.Ticks);
                }
            }
            else
            {
                _highInARow = 0;
            }
        }

        if (Add(ticks, host.Nanoseconds) && (!_fitted || _count < 64 || ++_sinceFit >= 8))
            Fit();

        double hostEstimate = Predict(ticks);
        var rig = _rigClock.ToRig(new HostTime((long)Math.Round(hostEstimate)));
        return new RigTimestamp(rig.Time, rig.ErrorBound + new Duration((long)Math.Ceiling(BoundAt(ticks))));
    }

    /// <summary>Maps a sensor time onto host time without adding a pair (for times inside a sample, such as a LIDAR point).</summary>
    public HostTime ToHost(SensorTime sensor)
    {
        if (!_fitted) throw new InvalidOperationException("the clock mapper has no pairs yet");
        long raw = sensor.Ticks;
        long ticks = raw + _wrapOffset;
        if (_options.WrapModulus > 0 && _lastRaw != long.MinValue && raw - _lastRaw > _options.WrapModulus / 2)
            ticks -= _options.WrapModulus;
        return new HostTime((long)Math.Round(Predict(ticks)));
    }

    private long Unwrap(long raw)
    {
        if (_lastRaw == long.MinValue)
        {
            _lastRaw = raw;
            return raw;
        }
        long m = _options.WrapModulus;
        if (m > 0)
        {
            if (raw < _lastRaw - m / 2) _wrapOffset += m;
            else if (raw > _lastRaw + m / 2) return raw + _wrapOffset - m; // a late pair from before the wrap
        }
        else if (raw < _lastRaw)
        {
            Reset(); // the counter went backwards: the device restarted
            _lastRaw = raw;
            return raw;
        }
        _lastRaw = raw;
        return raw + _wrapOffset;
    }

    /// <summary>Admits a pair into the window; false if it was not lower than the pair already in its slot.</summary>
    private bool Add(long ticks, long host)
    {
        int cap = _ticks.Length;
        if (_count == 0)
        {
            _t0 = ticks;
            _h0 = host;
        }
        else
        {
            int lastIdx = (_start + _count - 1) % cap;
            if (host - _host[lastIdx] < _options.SlotLength.Nanoseconds && ticks >= _ticks[lastIdx])
            {
                double yNew = host - _h0 - X(ticks);
                if (yNew >= Y(lastIdx)) return false;
                _ticks[lastIdx] = ticks;
                _host[lastIdx] = host;
                return true;
            }
        }
        int idx;
        if (_count < cap)
        {
            idx = (_start + _count) % cap;
            _count++;
        }
        else
        {
            idx = _start;
            _start = (_start + 1) % cap;
        }
        _ticks[idx] = ticks;
        _host[idx] = host;
        return true;
    }

    private double X(long ticks) => (ticks - _t0) * _nsPerTick;

    private double Y(int i) => _host[i] - _h0 - X(_ticks[i]);

    private double Predict(long ticks)
    {
        double x = X(ticks);
        return _h0 + x + _lineAtXa + _slope * (x - _xa);
    }

    private double BoundAt(long ticks)
    {
        if (_count < 8)
            return _options.InitialBound.Nanoseconds;
        double x = X(ticks);
        // slope uncertainty: the envelope floor spread over the window span, times the distance from the window's centre
        double slopeTerm = _spanNs > 0 ? 2 * _floorNs * Math.Abs(x - _xa) / _spanNs : 0;
        return 3 * _floorNs + slopeTerm + 5000;
    }

    private void Fit()
    {
        _sinceFit = 0;
        int cap = _ticks.Length;
        int n = _count;
        Span<int> hull = n <= 1024 ? stackalloc int[n] : new int[n];
        int h = 0;
        double sumX = 0;
        for (int k = 0; k < n; k++)
        {
            int i = (_start + k) % cap;
            double xi = X(_ticks[i]);
            sumX += xi;
            while (h >= 2)
            {
                int a = hull[h - 2], b = hull[h - 1];
                double xa = X(_ticks[a]), ya = Y(a), xb = X(_ticks[b]), yb = Y(b), yi = Y(i);
                double cross = (xb - xa) * (yi - ya) - (yb - ya) * (xi - xa);
                if (cross <= 0) h--; else break;
            }
            hull[h++] = i;
        }
        double mean = sumX / n;
        double slope = 0;
        for (int k = 0; k + 1 < h; k++)
        {
            double x1 = X(_ticks[hull[k]]), x2 = X(_ticks[hull[k + 1]]);
            if (x2 >= mean || k + 2 == h)
            {
                slope = x2 > x1 ? (Y(hull[k + 1]) - Y(hull[k])) / (x2 - x1) : 0;
                break;
            }
        }
        double maxSlope = _options.MaxDriftPpm * 1e-6;
        slope = Math.Clamp(slope, -maxSlope, maxSlope);

        // intercept: the highest line of that slope under every pair
        double lineAtMean = double.MaxValue;
        for (int k = 0; k < n; k++)
        {
            int i = (_start + k) % cap;
            lineAtMean = Math.Min(lineAtMean, Y(i) - slope * (X(_ticks[i]) - mean));
        }
        _xa = mean;
        _slope = slope;
        _lineAtXa = lineAtMean;

        // how tight the envelope is: a low percentile of residuals above it
        Span<double> residuals = n <= 1024 ? stackalloc double[n] : new double[n];
        for (int k = 0; k < n; k++)
        {
            int i = (_start + k) % cap;
            residuals[k] = Y(i) - (_lineAtXa + _slope * (X(_ticks[i]) - _xa));
        }
        residuals.Sort();
        _floorNs = residuals[Math.Min(n - 1, Math.Max(3, n / 10))];
        int first = _start, last = (_start + n - 1) % cap;
        _spanNs = X(_ticks[last]) - X(_ticks[first]);
        _fitted = true;
    }
}
