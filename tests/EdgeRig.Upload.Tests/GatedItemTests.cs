namespace EdgeRig.Upload.Tests;

/// <summary><see cref="UploadItem.GatedBy"/>: how the service makes uploads wait while the recorder is behind.</summary>
public sealed class GatedItemTests
{
    [Fact]
    public async Task GatedBy_GateClosed_ReadWaits_GateOpened_ReadGivesTheBytes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int asked = 0;
        var item = new UploadItem("a.bin", () => new MemoryStream([1, 2, 3], writable: false), "x").GatedBy(_ => { asked++; return gate.Task; });
        await using var stream = item.Open();
        var buffer = new byte[3];

        var read = stream.ReadAsync(buffer).AsTask();

        Assert.False(read.IsCompleted);
        Assert.Equal(0, buffer[0]);
        gate.SetResult();
        Assert.Equal(3, await read);
        Assert.Equal([1, 2, 3], buffer);
        Assert.Equal(1, asked);
        Assert.Equal(("a.bin", "x", 3L), (item.Path, item.ExpectedSha256, stream.Length)); // the rest of the item unchanged
    }

    [Fact]
    public async Task GatedBy_Cancelled_ReadThrowsWithoutReading()
    {
        using var cts = new CancellationTokenSource();
        var item = new UploadItem("a.bin", () => new MemoryStream([1, 2, 3], writable: false)).GatedBy(ct => Task.Delay(Timeout.Infinite, ct));
        await using var stream = item.Open();
        var read = stream.ReadAsync(new byte[3], cts.Token).AsTask();

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.Equal(0, stream.Position);
    }
}
