using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EdgeRig.Devices.Tests.Audio;

/// <summary>
/// The FIFO behind <see cref="AlsaFileCapture"/>'s PCM, able to be unplugged: <see cref="Unplug"/> stops the signal
/// (ALSA's read of the FIFO blocks, as a pulled USB microphone's stream stalls) and removes the FIFO (the PCM can no
/// longer be opened); <see cref="PlugIn"/> makes it again and resumes the signal. Closing every writer would not do:
/// at end of file ALSA's file plugin falls back to its null slave and delivers silence far faster than real time.
/// </summary>
internal sealed partial class UnpluggableAlsaCapture : IDisposable
{
    /// <summary>The path the ALSA config of <see cref="AlsaFileCapture"/> names as the PCM's infile.</summary>
    private static readonly string FifoPath = Path.Combine(Path.GetTempPath(), $"edgerig-alsa-{Environment.ProcessId}", "in.fifo");

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mkfifo(string path, uint mode);

    private readonly List<FileStream> _fifos = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _plugged = new(false);
    private readonly Task _writer;
    private volatile FileStream? _current;

    public UnpluggableAlsaCapture()
    {
        PlugIn();
        _writer = Task.Factory.StartNew(WriteSignal, TaskCreationOptions.LongRunning);
    }

    public void PlugIn()
    {
        if (mkfifo(FifoPath, 0x180) != 0) throw new IOException($"mkfifo failed: errno {Marshal.GetLastPInvokeError()}");
        var fifo = new FileStream(FifoPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0); // O_RDWR: ALSA's open never waits
        lock (_fifos) _fifos.Add(fifo);
        _current = fifo;
        _plugged.Set();
    }

    public void Unplug()
    {
        _plugged.Reset();
        _current = null;
        File.Delete(FifoPath); // the open FIFO stays open (and starved) for the stream still reading it
    }

    /// <summary>Closes the starved FIFOs: a read blocked on one returns end of file.</summary>
    public void CloseStarved()
    {
        lock (_fifos)
            foreach (var f in _fifos.Where(f => f != _current).ToList())
            {
                f.Dispose();
                _fifos.Remove(f);
            }
    }

    private void WriteSignal()
    {
        var block = new byte[AlsaFileCapture.BlockFrames * AlsaFileCapture.Channels * 2];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long k = 0;
        while (!_stop.IsCancellationRequested)
        {
            if (_current is not { } fifo)
            {
                _plugged.Wait(_stop.Token);
                clock.Restart();
                k = 0;
                continue;
            }
            for (int f = 0; f < AlsaFileCapture.BlockFrames; f++)
            {
                short v = AlsaFileCapture.Left(k * AlsaFileCapture.BlockFrames + f);
                BinaryPrimitives.WriteInt16LittleEndian(block.AsSpan(f * 4), v);
                BinaryPrimitives.WriteInt16LittleEndian(block.AsSpan(f * 4 + 2), (short)-v);
            }
            fifo.Write(block);
            k++;
            var due = TimeSpan.FromSeconds(k * (double)AlsaFileCapture.BlockFrames / AlsaFileCapture.Rate);
            if (due > clock.Elapsed) Thread.Sleep(due - clock.Elapsed);
        }
    }

    /// <summary>Stops the signal and closes every FIFO; call after the capture stream is closed.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try { _writer.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { } // cancelled while unplugged
        lock (_fifos) foreach (var f in _fifos) f.Dispose();
        File.Delete(FifoPath);
    }
}
