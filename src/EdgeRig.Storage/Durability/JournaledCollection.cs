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
    private readonly ILiteCollection<BsonDocument> _collection;
    private readonly RecordLog _journal;
    private readonly object _gate;

    internal JournaledCollection(string name, ILiteCollection<BsonDocument> collection, RecordLog journal, object gate)
    {
        Name = name;
        _collection = collection;
        _journal = journal;
        _gate = gate;
    }

    public string Name { get; }

    /// <summary>Inserts a document (an ObjectId is given to one without "_id"); durable when this returns.</summary>
    public BsonValue Insert(BsonDocument doc)
    {
        if (!doc.ContainsKey("_id")) doc["_id"] = ObjectId.NewObjectId();
        lock (_gate)
        {
            _collection.Insert(doc);
            WriteOrUndo(Put(doc), () => _collection.Delete(doc["_id"]));
        }
        return doc["_id"];
    }

    /// <summary>Replaces a document by its "_id"; durable when this returns.</summary>
    public bool Update(BsonDocument doc)
    {
        lock (_gate)
        {
            var before = _collection.FindById(doc["_id"]);
            if (before is null || !_collection.Update(doc)) return false;
            WriteOrUndo(Put(doc), () => _collection.Update(before));
            return true;
        }
    }

    public bool Delete(BsonValue id)
    {
        lock (_gate)
        {
            var before = _collection.FindById(id);
            if (before is null || !_collection.Delete(id)) return false;
            WriteOrUndo(new BsonDocument { ["c"] = Name, ["op"] = "del", ["id"] = id }, () => _collection.Insert(before));
            return true;
        }
    }

    public BsonDocument? FindById(BsonValue id) => _collection.FindById(id);
    public BsonDocument? FindOne(BsonExpression predicate) => _collection.FindOne(predicate);
    public IEnumerable<BsonDocument> Find(BsonExpression predicate) => _collection.Find(predicate);
    public IEnumerable<BsonDocument> FindAll() => _collection.FindAll();
    public ILiteQueryable<BsonDocument> Query() => _collection.Query();
    public bool EnsureIndex(string field, bool unique = false) => _collection.EnsureIndex(field, unique);

    private BsonDocument Put(BsonDocument doc) => new() { ["c"] = Name, ["op"] = "put", ["doc"] = doc };

    private void WriteOrUndo(BsonDocument record, Action undo)
    {
        try
        {
            _journal.Append(BsonSerializer.Serialize(record), sync: true);
        }
        catch
        {
            undo(); // not durable, so not done: the caller sees the failure and the catalogue stays as it was
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
