using Microsoft.Win32.SafeHandles;

namespace EdgeRig.Storage.Durability;

/// <summary>
/// Every change the store makes to its durable files (segments and journals: creation, writes, truncation, syncs, and
/// directory syncs) goes through here, so a crash-consistency test can record them and replay any prefix as the disk
/// might hold it after a power cut (<c>SessionStoreOptions.Files</c>). LiteDB's own files are a cache and are not routed.
/// </summary>
public class FileLayer
{
    /// <summary>The operating system's files.</summary>
    public static readonly FileLayer Os = new();

    /// <summary>Opens a file for reading and writing, creating it if asked.</summary>
    public virtual SafeFileHandle Open(string path, bool create) =>
        File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);

    public virtual void Write(SafeFileHandle handle, string path, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long offset) =>
        RandomAccess.Write(handle, buffers, offset);

    public virtual void Write(SafeFileHandle handle, string path, ReadOnlySpan<byte> bytes, long offset) =>
        RandomAccess.Write(handle, bytes, offset);

    public virtual void SetLength(SafeFileHandle handle, string path, long length) => RandomAccess.SetLength(handle, length);

    /// <summary>fsync: the file's data and size are durable when this returns.</summary>
    public virtual void Flush(SafeFileHandle handle, string path) => RandomAccess.FlushToDisk(handle);

    /// <summary>The directory's entries are durable when this returns.</summary>
    public virtual void SyncDirectory(string directory) => DurableFs.SyncDirectory(directory);
}
