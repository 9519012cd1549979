using EdgeRig.Core;
using EdgeRig.Storage.Durability;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>
/// A catalogue write that fails (a full disk) leaves LiteDB's engine unusable. Every catalogue write goes through
/// <see cref="CatalogueWrite"/>: a failure is reported as <see cref="StorageFullException"/> (RESOURCE_EXHAUSTED), the store
/// reports itself unwritable (health NOT_SERVING), and the next call reopens the engine once there is room again, restoring
/// from the journals whatever the failed write left out. Nothing acknowledged lives only in LiteDB, so nothing is lost.
/// </summary>
public sealed partial class LiteDbSessionStore
{
    /// <summary>Why the store cannot write now (its catalogue failed, or the data disk is at its reserve); null when it can.</summary>
    public string? WriteFailure
    {
        get
        {
            TryReopenCatalogue(); // space may have come back
            if (_catalogueFailure is { } failure) return failure;
            long free = FreeBytes();
            return free >= 0 && free < _options.FreeSpaceReserveBytes
                ? $"disk reserve reached: {free / 1048576.0:0.0} MiB free on the data disk, reserve {_options.FreeSpaceReserveBytes / 1048576.0:0.0} MiB"
                : null;
        }
    }

    /// <summary>The catalogue's engine for reading: the failed one serves reads until there is room to reopen it.</summary>
    private LiteDatabase Catalogue
    {
        get
        {
            TryReopenCatalogue();
            return _catalogue;
        }
    }

    /// <summary>Runs a catalogue write; a failure marks the engine failed (reopened once there is room) and is reported by cause.</summary>
    private void CatalogueWrite(Action write)
    {
        lock (_catalogueGate)
        {
            if (!TryReopenCatalogue()) throw new StorageFullException($"{_catalogueFailure}; the catalogue is reopened once space is freed");
            // refused before LiteDB sees it: a write that fails inside LiteDB breaks its engine for good
            long room = FreeBytes();
            if (room >= 0 && room < ReopenRoomBytes)
                throw new StorageFullException($"the data disk is full: {room / 1048576.0:0.0} MiB free, the catalogue ({Path.GetFileName(CataloguePath)}) needs {ReopenRoomBytes >> 20} MiB to write");
            try
            {
                write();
            }
            catch (Exception e) when (e is IOException or LiteException or ObjectDisposedException or InvalidOperationException)
            {
                long free = FreeBytes();
                bool full = (e is IOException io && StorageErrors.IsDiskFull(io)) || (e.InnerException is IOException inner && StorageErrors.IsDiskFull(inner))
                    || (free >= 0 && free < ReopenRoomBytes);
                _catalogueFailure = $"{(full ? "the data disk is full" : "the catalogue failed")}: {Path.GetFileName(CataloguePath)} could not be written ({e.Message})";
                OpenCatalogueReadOnly();
                throw full ? new StorageFullException(_catalogueFailure) : new IOException(_catalogueFailure, e);
            }
        }
    }

    /// <summary>A failed LiteDB engine refuses every later call, reads too: until it can be reopened for writing, the catalogue
    /// is served read-only from what its file holds (the journals hold the rest and restore it on reopen).</summary>
    private void OpenCatalogueReadOnly()
    {
        LiteDbEngines.Retire(_catalogue);
        try
        {
            _catalogue = new LiteDatabase(new ConnectionString { Filename = CataloguePath, Connection = ConnectionType.Direct, ReadOnly = true });
            _sessions = _catalogue.GetCollection("sessions");
        }
        catch (Exception e) when (e is IOException or LiteException)
        {
            _repairs.Enqueue($"the catalogue could not be opened read-only while the disk is full: {e.Message}");
        }
    }

    /// <summary>Free space needed before a failed catalogue is reopened (LiteDB writes its log on open).</summary>
    private const long ReopenRoomBytes = 4L << 20;

    private readonly System.Collections.Concurrent.ConcurrentQueue<(string SessionId, BsonDocument Fields)> _deferred = new();

    /// <summary>After a failed write, once there is room: reopens the catalogue and restores it from the journals. Returns
    /// whether the catalogue can be written.</summary>
    private bool TryReopenCatalogue()
    {
        if (_catalogueFailure is null)
        {
            WriteDeferred();
            return true;
        }
        lock (_catalogueGate)
        {
            if (_catalogueFailure is not { } failure) return true;
            long free = FreeBytes();
            if (free >= 0 && free < ReopenRoomBytes) return false;
            LiteDbEngines.Retire(_catalogue);
            _catalogue = OpenCatalogue();
            _sessions = _catalogue.GetCollection("sessions");
            _catalogue.BeginTrans();
            JournaledCollection.Replay(_catalogue, RecordLog.Read(_catalogueJournal.Path).Records);
            _catalogue.Commit();
            RestoreSessionsFromJournals();
            _catalogueFailure = null;
            _repairs.Enqueue($"catalogue reopened after a failed write ({failure}) and restored from the journals");
            WriteDeferred();
            return true;
        }
    }

    private bool _writingDeferred;

    /// <summary>The recorder's last counts and its close, refused while the disk was full, written once there is room.</summary>
    private void WriteDeferred()
    {
        if (_deferred.IsEmpty || _writingDeferred) return;
        long free = FreeBytes();
        if (free >= 0 && free < ReopenRoomBytes) return;
        lock (_catalogueGate)
        {
            _writingDeferred = true;
            try
            {
                while (_deferred.TryPeek(out var d))
                {
                    SetFields(d.SessionId, d.Fields, sync: true);
                    _deferred.TryDequeue(out _);
                }
            }
            catch (StorageFullException) { /* still no room: kept for the next try */ }
            finally
            {
                _writingDeferred = false;
            }
        }
    }
}
