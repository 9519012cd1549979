using System.Collections.Concurrent;

namespace EdgeRig.Service.Native;

/// <summary>Why each device that did not start did not (a missing library, an absent device node), for status and doctor.</summary>
public sealed class DeviceStartFaults
{
    private readonly ConcurrentDictionary<string, string> _faults = new();

    public void Report(string deviceId, string reason) => _faults[deviceId] = reason;

    public string? For(string deviceId) => _faults.TryGetValue(deviceId, out var reason) ? reason : null;
}
