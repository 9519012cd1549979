using EdgeRig.Storage.Durability;
using EdgeRig.Core;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>Consent records in the catalogue's "consent" collection. Ids are "c-" + 8 hex digits; subjects are pseudonyms.</summary>
public sealed class LiteDbConsentStore(LiteDbSessionStore catalogue) : IConsentStore
{
    private readonly JournaledCollection _consent = catalogue.CatalogueCollection("consent");
    private readonly object _gate = new();

    public ConsentRecord Add(ConsentRecord draft)
    {
        Validate(draft);
        foreach (var s in draft.Sessions) catalogue.GetSession(s); // SessionNotFoundException names a wrong id
        lock (_gate)
        {
            string id;
            do id = $"c-{Random.Shared.Next():x8}"; while (_consent.FindById(id) is not null);
            var record = draft with { Id = id, Scopes = draft.Scopes.Distinct().Order().ToList(), Sessions = draft.Sessions.Distinct().ToList() };
            _consent.Insert(ToBson(record));
            return record;
        }
    }

    public IReadOnlyList<ConsentRecord> List(string? sessionId)
    {
        lock (_gate)
        {
            var all = _consent.FindAll().Select(FromBson);
            if (!string.IsNullOrEmpty(sessionId)) all = all.Where(c => c.Sessions.Contains(sessionId));
            return all.OrderBy(c => c.Created).ToList();
        }
    }

    public ConsentRecord Get(string id)
    {
        lock (_gate)
            return FromBson(_consent.FindById(id) ?? throw new NotFoundException($"consent record '{id}' does not exist"));
    }

    public ConsentRecord Attach(string id, string sessionId)
    {
        catalogue.GetSession(sessionId);
        lock (_gate)
        {
            var record = Get(id);
            if (record.Withdrawn is not null) throw new InvalidRigStateException($"consent record '{id}' was withdrawn; it cannot cover new sessions");
            if (record.Sessions.Contains(sessionId)) return record;
            record = record with { Sessions = [.. record.Sessions, sessionId] };
            _consent.Update(ToBson(record));
            return record;
        }
    }

    public ConsentRecord Withdraw(string id, DateTimeOffset at, string by)
    {
        lock (_gate)
        {
            var record = Get(id);
            if (record.Withdrawn is { } when) throw new InvalidRigStateException($"consent record '{id}' was already withdrawn on {when:yyyy-MM-dd}");
            record = record with { Withdrawn = at, WithdrawnBy = by };
            _consent.Update(ToBson(record));
            return record;
        }
    }

    private static void Validate(ConsentRecord d)
    {
        if (string.IsNullOrWhiteSpace(d.Subject) || d.Subject.Length > 64 || !d.Subject.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"subject '{d.Subject}' must be a pseudonymous id of 1-64 letters, digits, '-', '_' or '.' (never a name)");
        if (d.Scopes.Count == 0) throw new ArgumentException("scope must name at least one of video, audio");
        foreach (var s in d.Scopes)
            if (!ConsentScopes.All.Contains(s)) throw new ArgumentException($"scope '{s}' is not one of video, audio");
        if (string.IsNullOrWhiteSpace(d.Purpose) || d.Purpose.Length > 500) throw new ArgumentException("purpose must be 1-500 characters");
        if (string.IsNullOrWhiteSpace(d.FormReference) || d.FormReference.Length > 200) throw new ArgumentException("form reference must be 1-200 characters");
        if (d.Expires is { } e && e <= d.Granted) throw new ArgumentException($"expiry {e:yyyy-MM-dd} must be after the grant date {d.Granted:yyyy-MM-dd}");
    }

    private static BsonDocument ToBson(ConsentRecord c) => new()
    {
        ["_id"] = c.Id,
        ["subject"] = c.Subject,
        ["scopes"] = new BsonArray(c.Scopes.Select(s => new BsonValue(s))),
        ["purpose"] = c.Purpose,
        ["granted"] = c.Granted.ToUnixTimeMilliseconds(),
        ["expires"] = c.Expires is { } e ? e.ToUnixTimeMilliseconds() : BsonValue.Null,
        ["form"] = c.FormReference,
        ["sessions"] = new BsonArray(c.Sessions.Select(s => new BsonValue(s))),
        ["created"] = c.Created.ToUnixTimeMilliseconds(),
        ["createdBy"] = c.CreatedBy,
        ["withdrawn"] = c.Withdrawn is { } w ? w.ToUnixTimeMilliseconds() : BsonValue.Null,
        ["withdrawnBy"] = c.WithdrawnBy,
    };

    private static ConsentRecord FromBson(BsonDocument b) =>
        new(b["_id"].AsString, b["subject"].AsString, b["scopes"].AsArray.Select(v => v.AsString).ToList(), b["purpose"].AsString,
            DateTimeOffset.FromUnixTimeMilliseconds(b["granted"].AsInt64), b["expires"].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(b["expires"].AsInt64),
            b["form"].AsString, b["sessions"].AsArray.Select(v => v.AsString).ToList(), DateTimeOffset.FromUnixTimeMilliseconds(b["created"].AsInt64), b["createdBy"].AsString)
        {
            Withdrawn = b["withdrawn"].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(b["withdrawn"].AsInt64),
            WithdrawnBy = b["withdrawnBy"].AsString,
        };
}
