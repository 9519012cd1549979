using LiteDB;

namespace EdgeRig.Storage.Durability;

/// <summary>
/// A catalogue collection whose only copy is the catalogue (tokens, consent records, calibration profiles, the audit trail):
/// every write goes to LiteDB and then to the catalogue journal (catalogue.journal), synced before the write returns. The
/// journal is replayed into the catalogue at every start, so a write acknowledged before a power cut, or a catalogue file
/// damaged beyond reading, loses nothing. Reads go to LiteDB.
/// </summary>
public sealed class JournaledCollection
{
    private readonly Func<ILiteCollection<BsonDocument>> _open;
    private readonly Action<Action> _write;
    private readonly RecordLog _journal;
    private readonly object _gate;

    /// <param name="open">the collection in the catalogue's current engine (reopened after a failed write).</param>
    /// <param name="write">runs a LiteDB write, turning a failure into the store's error.</param>
    internal JournaledCollection(string name, Func<ILiteCollection<BsonDocument>> open, Action<Action> write, RecordLog journal, object gate)
    {
        Name = name;
        _open = open;
        _write = write;
        _journal = journal;
        _gate = gate;
    }

    private ILiteCollection<BsonDocument> Collection => _open();

    public string Name { get; }

    /// <summary>Inserts a document (an ObjectId is given to one without "_id"); durable when this returns.</summary>
    public BsonValue Insert(BsonDocument doc)
    {
        if (!doc.ContainsKey("_id")) doc["_id"] = ObjectId.NewObjectId();
        lock (_gate)
        {
            _write(() => Collection.Insert(doc));
            WriteOrUndo(Put(doc), () => Collection.Delete(doc["_id"]));
        }
        return doc["_id"];
    }

    /// <summary>Replaces a document by its "_id"; durable when this returns.</summary>
    public bool Update(BsonDocument doc)
    {
        lock (_gate)
        {
            var before = Collection.FindById(doc["_id"]);
            if (before is null) return false;
            _write(() => Collection.Update(doc));
            WriteOrUndo(Put(doc), () => Collection.Update(before));
            return true;
        }
    }

    /// <summary>Inserts or replaces a document by its "_id"; durable when this returns.</summary>
    public void Upsert(BsonDocument doc)
    {
        lock (_gate)
        {
            var before = Collection.FindById(doc["_id"]);
            _write(() => Collection.Upsert(doc));
            WriteOrUndo(Put(doc), () => { if (before is null) Collection.Delete(doc["_id"]); else Collection.Update(before); });
        }
    }

    public bool Delete(BsonValue id)
    {
        lock (_gate)
        {
            var before = Collection.FindById(id);
            if (before is null) return false;
            _write(() => Collection.Delete(id));
            WriteOrUndo(new BsonDocument { ["c"] = Name, ["op"] = "del", ["id"] = id }, () => Collection.Insert(before));
            return true;
        }
    }

    public BsonDocument? FindById(BsonValue id) => Collection.FindById(id);
    public BsonDocument? FindOne(BsonExpression predicate) => Collection.FindOne(predicate);
    public IEnumerable<BsonDocument> Find(BsonExpression predicate) => Collection.Find(predicate);
    public IEnumerable<BsonDocument> FindAll() => Collection.FindAll();
    public ILiteQueryable<BsonDocument> Query() => Collection.Query();
    public bool EnsureIndex(string field, bool unique = false) => Collection.EnsureIndex(field, unique);

    private BsonDocument Put(BsonDocument doc) => new() { ["c"] = Name, ["op"] = "put", ["doc"] = doc };

    private void WriteOrUndo(BsonDocument record, Action undo)
    {
        try
        {
            _journal.Append(BsonSerializer.Serialize(record), sync: true);
        }
        catch
        {
            // not durable, so not done: the caller sees the failure and the catalogue stays as it was
            try { undo(); }
            catch (Exception e) when (e is not OutOfMemoryException) { /* a broken engine is reopened and replayed from the journal */ }
            throw;
        }
    }

    /// <summary>Applies journal records to the catalogue: documents missing or different are put, deleted ones removed.
    /// Returns how many documents it changed.</summary>
    internal static int Replay(LiteDatabase catalogue, IEnumerable<byte[]> records)
    {
        int changed = 0;
        foreach (var bytes in records)
        {
            BsonDocument record;
            try { record = BsonSerializer.Deserialize(bytes); }
            catch (Exception e) when (e is not OutOfMemoryException) { continue; }
            var collection = catalogue.GetCollection(record["c"].AsString);
            if (record["op"].AsString == "put")
            {
                var doc = record["doc"].AsDocument;
                var stored = collection.FindById(doc["_id"]);
                if (stored is null || stored.CompareTo(doc) != 0) { collection.Upsert(doc); changed++; }
            }
            else if (collection.Delete(record["id"]))
            {
                changed++;
            }
        }
        return changed;
    }

    /// <summary>The records that put every document of the collections into a new journal.</summary>
    internal static IEnumerable<byte[]> Snapshot(LiteDatabase catalogue, IEnumerable<string> collections) =>
        collections.SelectMany(name => catalogue.GetCollection(name).FindAll()
            .Select(doc => BsonSerializer.Serialize(new BsonDocument { ["c"] = name, ["op"] = "put", ["doc"] = doc })));
}
