using EdgeRig.Storage;

namespace EdgeRig.Storage.Tests;

public sealed class DataDirectoryLockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-lock-" + Guid.NewGuid().ToString("N"));

    public DataDirectoryLockTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Acquire_WritesThePidIntoTheLockFile()
    {
        using var held = DataDirectoryLock.Acquire(_dir);
        Assert.Equal(Environment.ProcessId, DataDirectoryLock.HolderOf(Path.Combine(_dir, DataDirectoryLock.FileName)));
    }

    [Fact]
    public void Acquire_WhileHeld_RefusedNamingTheHoldersPid()
    {
        File.WriteAllText(Path.Combine(_dir, DataDirectoryLock.FileName), "999999999\n"); // a stale pid from a crashed holder is replaced
        using var held = DataDirectoryLock.Acquire(_dir);
        var e = Assert.Throws<DataDirectoryInUseException>(() => DataDirectoryLock.Acquire(_dir));
        Assert.Equal(Environment.ProcessId, e.HolderPid);
        Assert.Equal($"data directory '{_dir}' is in use by another EdgeRig service (pid {Environment.ProcessId}, holding .lock)", e.Message);
    }

    [Fact]
    public void Acquire_AfterRelease_Succeeds()
    {
        DataDirectoryLock.Acquire(_dir).Dispose();
        using var again = DataDirectoryLock.Acquire(_dir);
    }

    [Fact]
    public void HolderOf_MissingOrGarbledFile_IsNull()
    {
        Assert.Null(DataDirectoryLock.HolderOf(Path.Combine(_dir, "absent")));
        File.WriteAllText(Path.Combine(_dir, "garbled"), "not a pid");
        Assert.Null(DataDirectoryLock.HolderOf(Path.Combine(_dir, "garbled")));
    }
}
