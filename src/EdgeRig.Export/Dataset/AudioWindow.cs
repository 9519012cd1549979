using System.Buffers;

namespace EdgeRig.Export.Dataset;

/// <summary>The PCM frames of an audio stream whose own times (block rig time + frame / sample rate) fall in [from, to), sample-accurate.</summary>
internal sealed record AudioWindow(long? FirstFrameNs, int Frames, byte[] Pcm)
{
    /// <param name="longestBlockNs">the longest block's duration, so the search starts early enough to catch a block reaching into the window.</param>
    public static AudioWindow Cut(StreamTimeline s, AudioFormat format, long longestBlockNs, long from, long to)
    {
        int bpf = format.BytesPerFrame;
        var pcm = new ArrayBufferWriter<byte>();
        long? firstFrame = null;
        int frames = 0;
        for (int b = TimeSearch.LowerBound(s.TimeNs, from - longestBlockNs); b < s.Count && s.TimeNs[b] < to; b++)
        {
            long start = s.TimeNs[b];
            int count = s.PayloadBytes[b] / bpf, f0 = 0;
            while (f0 < count && start + format.FrameOffsetNs(f0) < from) f0++;
            int f1 = f0;
            while (f1 < count && start + format.FrameOffsetNs(f1) < to) f1++;
            if (f1 == f0) continue;
            firstFrame ??= start + format.FrameOffsetNs(f0);
            frames += f1 - f0;
            pcm.Write(s.Payloads[b].Span[(f0 * bpf)..(f1 * bpf)]);
        }
        return new AudioWindow(firstFrame, frames, pcm.WrittenSpan.ToArray());
    }

    /// <summary>The longest block of an audio stream, in ns.</summary>
    public static long LongestBlockNs(StreamTimeline s, AudioFormat format) =>
        s.Count == 0 ? 0 : format.FrameOffsetNs(s.PayloadBytes.Max() / format.BytesPerFrame) + 1;
}
