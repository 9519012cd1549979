using System.Runtime.InteropServices;
using EdgeRig.Core;
using Microsoft.Win32.SafeHandles;

namespace EdgeRig.Timing.Gpio;

/// <summary>
/// Input lines of a /dev/gpiochipN requested through GPIO_V2_GET_LINE_IOCTL with edge detection; <see cref="Events"/>
/// is the line fd, read with <see cref="GpioEdgeReader"/>. Edge timestamps are the kernel's CLOCK_MONOTONIC.
/// </summary>
public sealed class GpioChipLine : IDisposable
{
    private GpioChipLine(FileStream events) => Events = events;

    public FileStream Events { get; }

    /// <exception cref="IOException">the chip cannot be opened or the lines cannot be requested; the message says which and why.</exception>
    public static unsafe GpioChipLine Request(string chipPath, IReadOnlyList<int> offsets, string consumer = "edgerig")
    {
        int chip = Libc.Open(chipPath, Libc.ORdWr | Libc.OCloexec);
        if (chip < 0) throw new IOException($"cannot open {chipPath}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            var request = GpioV2Abi.BuildLineRequest(offsets, consumer);
            fixed (byte* argument = request)
                if (Libc.Ioctl(chip, GpioV2Abi.GetLineIoctl, argument) < 0)
                    throw new IOException($"cannot request lines {string.Join(",", offsets)} of {chipPath}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            var handle = new SafeFileHandle(GpioV2Abi.ReadFd(request), ownsHandle: true);
            return new GpioChipLine(new FileStream(handle, FileAccess.Read, bufferSize: 0));
        }
        finally
        {
            Libc.Close(chip);
        }
    }

    public void Dispose() => Events.Dispose();
}
