using System.Runtime.InteropServices;
using System.Text;

namespace EdgeRig.Storage;

/// <summary>
/// The exclusive lock on DATA/.lock (flock, held while this is open): one service per data directory. The holder writes
/// its pid into the file, so a refused second service can say which process holds the directory.
/// </summary>
public sealed partial class DataDirectoryLock : IDisposable
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
        int fd = open(lockFile, 0 /* O_RDONLY */);
        if (fd < 0) return null;
        try
        {
            var buffer = new byte[32];
            int n = (int)read(fd, buffer, buffer.Length);
            return n > 0 && int.TryParse(Encoding.ASCII.GetString(buffer, 0, n).Trim(), out int pid) && pid > 0 ? pid : null;
        }
        finally { _ = close(fd); }
    }

    public void Dispose() => _file.Dispose();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}

/// <summary>Thrown when a data directory's lock is held by another process; the message names the holder's pid when it is known.</summary>
public sealed class DataDirectoryInUseException(string dataDirectory, int? holderPid, Exception inner)
    : IOException($"data directory '{Path.GetFullPath(dataDirectory)}' is in use by another EdgeRig service " +
        (holderPid is { } pid ? $"(pid {pid}, holding {DataDirectoryLock.FileName})" : $"({inner.Message})"), inner)
{
    public int? HolderPid { get; } = holderPid;
}
