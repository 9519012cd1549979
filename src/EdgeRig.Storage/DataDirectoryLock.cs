using System.Text;
using EdgeRig.Core;

namespace EdgeRig.Storage;

/// <summary>
/// The exclusive lock on DATA/.lock (flock, held while this is open): one service per data directory. The holder writes
/// its pid into the file, so a refused second service can say which process holds the directory.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = ".lock";
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <exception cref="DataDirectoryInUseException">another process (or another store in this one) holds the lock.</exception>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new DataDirectoryInUseException(dataDirectory, HolderOf(path), e);
        }
        try
        {
            file.SetLength(0);
            file.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            file.Flush();
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return new DataDirectoryLock(file);
    }

    /// <summary>The pid written in a lock file, or null. Read with plain open/read: .NET's FileStream would flock the file and fail.</summary>
    public static int? HolderOf(string lockFile)
    {
        int fd = Libc.Open(lockFile, Libc.ORdOnly);
        if (fd < 0) return null;
        try
        {
            var buffer = new byte[32];
            int n = (int)Libc.Read(fd, buffer, buffer.Length);
            return n > 0 && int.TryParse(Encoding.ASCII.GetString(buffer, 0, n).Trim(), out int pid) && pid > 0 ? pid : null;
        }
        finally { _ = Libc.Close(fd); }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Thrown when a data directory's lock is held by another process; the message names the holder's pid when it is known.</summary>
public sealed class DataDirectoryInUseException(string dataDirectory, int? holderPid, Exception inner)
    : IOException($"data directory '{Path.GetFullPath(dataDirectory)}' is in use by another EdgeRig service " +
        (holderPid is { } pid ? $"(pid {pid}, holding {DataDirectoryLock.FileName})" : $"({inner.Message})"), inner)
{
    public int? HolderPid { get; } = holderPid;
}
