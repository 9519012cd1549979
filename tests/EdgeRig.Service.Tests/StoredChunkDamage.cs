namespace EdgeRig.Service.Tests;

/// <summary>Damages a stored chunk on disk, as a bad sector would, for the tests of how readers treat a damaged chunk.</summary>
internal static class StoredChunkDamage
{
    /// <summary>Flips 16 bytes in the middle of the n-th chunk's bytes in the session's segment file (the store must be closed).</summary>
    public static void FlipBytes(string dataDir, string sessionId, int n)
    {
        string seg = Path.Combine(dataDir, "sessions", sessionId + ".seg");
        using var f = new FileStream(seg, FileMode.Open, FileAccess.ReadWrite);
        long at = 0;
        var frame = new byte[24]; // "ERS2", meta length, data length, three CRCs; then meta, then data
        for (int i = 0; ; i++)
        {
            f.Position = at;
            f.ReadExactly(frame);
            Assert.Equal("ERS2"u8.ToArray(), frame[..4]);
            int meta = BitConverter.ToInt32(frame, 4);
            int length = BitConverter.ToInt32(frame, 8);
            if (i == n)
            {
                f.Position = at + 24 + meta + length / 2 - 8;
                var bytes = new byte[16];
                f.ReadExactly(bytes);
                f.Position -= 16;
                f.Write(bytes.Select(b => (byte)~b).ToArray());
                return;
            }
            at += 24 + meta + length;
        }
    }
}
