using System.Runtime.InteropServices;

namespace EdgeRig.Timing;

/// <summary>clock_gettime(2) for the clocks the rig uses.</summary>
public static partial class LinuxClock
{
    public const int Realtime = 0;
    public const int Monotonic = 1;
    public const int Tai = 11;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clockId, out TimeSpec ts);

    /// <summary>Reads the given clock in nanoseconds.</summary>
    /// <exception cref="InvalidOperationException">the kernel refused the clock id.</exception>
    public static long ReadNanoseconds(int clockId)
    {
        if (ClockGetTime(clockId, out var ts) != 0)
            throw new InvalidOperationException($"clock_gettime({clockId}) failed with errno {Marshal.GetLastPInvokeError()}");
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }
}
