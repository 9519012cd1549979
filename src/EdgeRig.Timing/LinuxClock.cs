using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Timing;

/// <summary>clock_gettime(2) for the clocks the rig uses.</summary>
public static class LinuxClock
{
    public const int Realtime = 0;
    public const int Monotonic = 1;
    public const int Tai = 11;

    /// <summary>Reads the given clock in nanoseconds.</summary>
    /// <exception cref="InvalidOperationException">the kernel refused the clock id.</exception>
    public static long ReadNanoseconds(int clockId)
    {
        if (Libc.ClockGetTime(clockId, out var ts) != 0)
            throw new InvalidOperationException($"clock_gettime({clockId}) failed with errno {Marshal.GetLastPInvokeError()}");
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }
}
