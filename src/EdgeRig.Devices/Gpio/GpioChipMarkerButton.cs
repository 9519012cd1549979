using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Timing.Gpio;

namespace EdgeRig.Devices.Gpio;

/// <summary>
/// The real marker button: a GPIO input line read through the character device v2 uAPI, each edge stamped by
/// the kernel (CLOCK_MONOTONIC), so its rig time needs no clock mapping. Rig file: driver "gpiochip",
/// path "/dev/gpiochip0", line N. The event source is injectable so tests feed it the kernel's byte layout.
/// </summary>
public sealed class GpioChipMarkerButton : ISensor
{
    private readonly DeviceProfile _profile;
    private readonly Func<Stream> _openEvents;
    private Thread? _thread;
    private Stream? _events;
    private long _sequence;

    public GpioChipMarkerButton(DeviceProfile profile, Func<Stream>? openEvents = null)
    {
        _profile = profile;
        _openEvents = openEvents ?? (() => GpioChipLine.Request(profile.Path, [profile.Line], $"edgerig-{profile.Id}").Events);
        Descriptor = SimulatedMarkerButton.DescriptorFor(profile);
    }

    public StreamDescriptor Descriptor { get; }
    public string DeviceId => _profile.Id;
    public IReadOnlyList<StreamDescriptor> Streams => [Descriptor];

    /// <summary>Edges the kernel dropped (its event buffer overflowed).</summary>
    public long LostEvents { get; private set; }

    /// <summary>Why the line stopped delivering (e.g. the device went away), or null while it runs.</summary>
    public string? Fault { get; private set; }

    /// <exception cref="IOException">the chip or line cannot be opened.</exception>
    public Task StartAsync(ISampleSink sink, CancellationToken cancellationToken)
    {
        _events = _openEvents();
        var reader = new GpioEdgeReader(_events);
        _thread = new Thread(() => ReadLoop(reader, sink)) { IsBackground = true, Name = $"gpio-{DeviceId}" };
        _thread.Start();
        return Task.CompletedTask;
    }

    private void ReadLoop(GpioEdgeReader reader, ISampleSink sink)
    {
        try
        {
            while (reader.TryRead(out var edge))
            {
                LostEvents = reader.LostEvents;
                sink.Publish(new Sample(Descriptor.Id, _sequence++, new SensorTime(edge.TimestampNs), new HostTime(edge.TimestampNs), default,
                    new GpioEdgePayload((byte)edge.LineOffset, edge.Rising).ToArray()));
            }
            Fault = "the GPIO line closed";
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException)
        {
            Fault = e.Message;
        }
    }

    public Task StopAsync()
    {
        _events?.Dispose();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _thread = null;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
