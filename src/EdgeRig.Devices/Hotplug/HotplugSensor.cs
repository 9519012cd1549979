using EdgeRig.Core;

namespace EdgeRig.Devices.Hotplug;

/// <summary>Whether a device link was lost or restored, when (host monotonic) and why.</summary>
public sealed record DeviceLinkEvent(string DeviceId, bool Connected, HostTime At, string Reason);

/// <summary>
/// The capture thread shared by real drivers whose device can go away (a USB camera pulled, a serial adapter
/// unplugged): it opens the device, runs a capture session until the device fails, then retries every
/// <see cref="RetryInterval"/> until the device is back. While the device is gone nothing is published; on
/// resume the sequence skips one number, so the recorder counts the gap (sensor_gaps) even when the device's
/// own counter restarts, and <see cref="LinkChanged"/> reports the start and end of the gap with host times.
/// </summary>
public abstract class HotplugSensor : ISensor
{
    private readonly object _gate = new();
    private Thread? _thread;
    private CancellationTokenSource? _stop;
    private long _sequence;

    protected HotplugSensor(DeviceProfile profile, StreamDescriptor descriptor, IHostClock clock)
    {
        Profile = profile;
        Descriptor = descriptor;
        Clock = clock;
    }

    protected DeviceProfile Profile { get; }
    protected IHostClock Clock { get; }
    public StreamDescriptor Descriptor { get; }
    public string DeviceId => Profile.Id;
    public IReadOnlyList<StreamDescriptor> Streams => [Descriptor];

    /// <summary>How often a lost device is looked for again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Raised on the capture thread when the device goes away and when it is back.</summary>
    public event Action<DeviceLinkEvent>? LinkChanged;

    public bool IsConnected { get; private set; }

    /// <summary>Times the device went away during capture.</summary>
    public long Disconnects { get; private set; }

    /// <summary>Why the device was last lost, or null.</summary>
    public string? Fault { get; private set; }

    /// <summary>Opens the device; throws <see cref="IOException"/> (or the driver's specific exception) when it is not there.</summary>
    protected abstract IDisposable OpenDevice();

    /// <summary>Captures from an open device until it fails (throws) or <paramref name="stop"/> is cancelled.</summary>
    protected abstract void RunSession(IDisposable device, ISampleSink sink, CancellationToken stop);

    /// <summary>The next sample sequence number.</summary>
    protected long NextSequence() => _sequence++;

    /// <summary>Leaves <paramref name="count"/> numbers out, so samples known to be lost show as a gap.</summary>
    protected void SkipSequence(long count) => _sequence += Math.Max(0, count);

    /// <summary>Opens the device once (so a missing device fails start with its reason), then captures on a thread.</summary>
    /// <exception cref="IOException">the device cannot be opened.</exception>
    public Task StartAsync(ISampleSink sink, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_thread is not null) throw new InvalidOperationException($"{DeviceId} is already running");
            IDisposable device;
            try
            {
                device = OpenDevice();
            }
            catch (Exception e) when (NativeLibraries.UnavailableReason(e) is { } missing)
            {
                throw new IOException($"{DeviceId}: {missing}", e); // the driver's library is not installed: not a crash, a device that cannot start
            }
            IsConnected = true;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var stop = _stop.Token;
            _thread = new Thread(() => CaptureLoop(device, sink, stop)) { IsBackground = true, Name = $"capture-{DeviceId}" };
            _thread.Start();
        }
        return Task.CompletedTask;
    }

    private void CaptureLoop(IDisposable? device, ISampleSink sink, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (device is null)
            {
                device = TryOpen();
                if (device is null)
                {
                    stop.WaitHandle.WaitOne(RetryInterval);
                    continue;
                }
                _sequence++; // the skipped number marks the gap for the recorder
                IsConnected = true;
                LinkChanged?.Invoke(new DeviceLinkEvent(DeviceId, true, Clock.Now, "device is back"));
            }
            try
            {
                RunSession(device, sink, stop);
                if (!stop.IsCancellationRequested) Lost("the device stopped delivering data");
            }
            catch (Exception e) // the top of a capture thread: any failure of the device or its library is a lost device, never a crashed service
            {
                if (!stop.IsCancellationRequested) Lost($"{e.GetType().Name}: {e.Message}");
            }
            finally
            {
                Release(device);
                device = null;
            }
            stop.WaitHandle.WaitOne(RetryInterval);
        }
    }

    private static void Release(IDisposable device)
    {
        try
        {
            device.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // already closed by StopAsync, or the device vanished while being closed
        }
    }

    private IDisposable? TryOpen()
    {
        try
        {
            return OpenDevice();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException or OpenCvSharp.OpenCVException
                                   || NativeLibraries.UnavailableReason(e) is not null)
        {
            return null;
        }
    }

    private void Lost(string reason)
    {
        IsConnected = false;
        Disconnects++;
        Fault = reason;
        LinkChanged?.Invoke(new DeviceLinkEvent(DeviceId, false, Clock.Now, reason));
    }

    public Task StopAsync()
    {
        Thread? thread;
        lock (_gate)
        {
            thread = _thread;
            _thread = null;
            _stop?.Cancel();
        }
        OnStopping();
        if (thread is null || thread.Join(TimeSpan.FromSeconds(5)))
            _stop?.Dispose(); // a thread still stuck in a device call keeps its token; it ends when the call returns
        _stop = null;
        return Task.CompletedTask;
    }

    /// <summary>Unblocks a session waiting on the device (closes a port, aborts a stream) when capture stops.</summary>
    protected virtual void OnStopping() { }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
    }
}
