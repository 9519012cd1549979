using EdgeRig.Export.Mcap;

namespace EdgeRig.Export.Tests;

/// <summary>
/// zstd chunks through native libzstd 1.5.7 (the ZstdNet package's) and through the managed port give the same bytes, and on
/// linux-x64 / linux-arm64 the native one is the one used.
/// </summary>
public sealed class McapChunkCompressorTests
{
    public static TheoryData<string, int> Inputs() => new()
    {
        { "random", 3 }, { "text", 3 }, { "audio", 3 }, { "mixed", 3 }, { "small", 3 },
        { "text", 1 }, { "audio", 9 }, { "mixed", 19 },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Zstd_NativeAndManagedPort_SameBytes(string kind, int level)
    {
        byte[] input = Input(kind);
        using var native = new McapChunkCompressor(McapCompression.Zstd, level);
        using var managed = new McapChunkCompressor(McapCompression.Zstd, level, nativeZstd: false);

        Assert.True(native.UsesNativeZstd, $"libzstd {ZstdNative.Version ?? "not loaded"}: the writer would fall back to the managed port");
        Assert.False(managed.UsesNativeZstd);
        byte[] a = native.Compress(input).ToArray(), b = managed.Compress(input).ToArray();
        Assert.True(a.AsSpan().SequenceEqual(b), $"{kind} at level {level}: native {a.Length} bytes, managed {b.Length}");
        Assert.True(a.AsSpan().SequenceEqual(native.Compress(input).Span), "a reused context wrote other bytes");
    }

    [Fact]
    public void Native_IsTheReleaseTheManagedPortPorts() => Assert.Equal("1.5.7", ZstdNative.Version);

    private static byte[] Input(string kind)
    {
        var random = new Random(kind.Length);
        switch (kind)
        {
            case "random":
                var r = new byte[1 << 20];
                random.NextBytes(r);
                return r;
            case "text":
                return System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 40_000).Select(i => $"sample {i} value {i * 7 % 1000}\n")));
            case "audio":
                var a = new byte[1 << 20];
                for (int i = 0; i < a.Length / 2; i++)
                {
                    short v = (short)(3000 * Math.Sin(i * 0.01) + random.Next(-50, 50));
                    a[2 * i] = (byte)v;
                    a[(2 * i) + 1] = (byte)(v >> 8);
                }
                return a;
            case "mixed": // what an export's chunk holds: incompressible frames between small structured records
                var m = new MemoryStream();
                for (int i = 0; i < 12; i++)
                {
                    var frame = new byte[90_000 + (i * 1000)];
                    random.NextBytes(frame);
                    m.Write(frame);
                    for (int k = 0; k < 40; k++) m.Write(BitConverter.GetBytes(((long)i << 32) + (k * 2_500_000L)));
                }
                return m.ToArray();
            default:
                return System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(i => $"x{i % 7}")));
        }
    }
}
