using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EdgeRig.Devices.Tests.Audio;

/// <summary>
/// An ALSA capture PCM "edgerigtest" made of the file plugin over the null plugin, whose infile is a FIFO the test
/// writes a known signal into at real-time pace (the file plugin itself is not paced). ALSA_CONFIG_PATH points at a
/// config that includes the system alsa.conf (PortAudio 19.6 asserts on a config with no other PCMs) and adds it. It is set with libc setenv (ALSA reads the process environment, not .NET's copy)
/// once, by a module initializer before any test thread runs: setenv racing another thread's getenv can crash.
/// </summary>
internal sealed partial class AlsaFileCapture : IDisposable
{
    private static readonly string ConfigDirectory = Path.Combine(Path.GetTempPath(), $"edgerig-alsa-{Environment.ProcessId}");
    private static readonly string FifoPath = Path.Combine(ConfigDirectory, "in.fifo");

    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void PointAlsaAtTheTestConfig()
    {
        Directory.CreateDirectory(ConfigDirectory);
        string conf = Path.Combine(ConfigDirectory, "asound.conf");
        File.WriteAllText(conf, $$"""
            </usr/share/alsa/alsa.conf>
            pcm.{{PcmName}} {
              type file
              slave.pcm "null"
              file "/dev/null"
              infile "{{FifoPath}}"
              format "raw"
            }
            """);
        if (setenv("ALSA_CONFIG_PATH", conf, 1) != 0) throw new InvalidOperationException("setenv failed");
    }

    public const string PcmName = "edgerigtest";
    public const int Rate = 48_000, Channels = 2, BlockFrames = 480;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mkfifo(string path, uint mode);

    private readonly FileStream _fifo;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    public AlsaFileCapture()
    {
        if (mkfifo(FifoPath, 0x180) != 0) throw new IOException($"mkfifo failed: errno {Marshal.GetLastPInvokeError()}");
        _fifo = new FileStream(FifoPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0); // O_RDWR: ALSA's open never waits for a writer
        _writer = Task.Factory.StartNew(WriteSignal, TaskCreationOptions.LongRunning);
    }

    /// <summary>The known signal: left = frame index mod 30 000, right = its negation.</summary>
    public static short Left(long frame) => (short)(frame % 30_000);

    private void WriteSignal()
    {
        var block = new byte[BlockFrames * Channels * 2];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (long k = 0; !_stop.IsCancellationRequested; k++)
        {
            for (int f = 0; f < BlockFrames; f++)
            {
                short v = Left(k * BlockFrames + f);
                BinaryPrimitives.WriteInt16LittleEndian(block.AsSpan(f * 4), v);
                BinaryPrimitives.WriteInt16LittleEndian(block.AsSpan(f * 4 + 2), (short)-v);
            }
            _fifo.Write(block);
            var due = TimeSpan.FromSeconds((k + 1) * (double)BlockFrames / Rate);
            if (due > clock.Elapsed) Thread.Sleep(due - clock.Elapsed);
        }
    }

    /// <summary>Stops the signal; call only after the capture stream is closed (a starved FIFO blocks ALSA's read).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _writer.Wait(TimeSpan.FromSeconds(2));
        _fifo.Dispose();
        File.Delete(FifoPath);
    }
}
