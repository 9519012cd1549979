using EdgeRig.Core;
using LiteDB;

namespace EdgeRig.Service.Privacy;

/// <summary>
/// The consent store as the service uses it: records as <paramref name="records"/> keeps them, each with its lab or admin
/// confirmation (catalogue collection "consent_confirmations", one document per confirmed record). A record nobody
/// confirmed is pending and releases nothing. Kept beside the record store rather than in it so that either can change alone.
/// </summary>
public sealed class ReviewedConsentStore(IConsentStore records, EdgeRig.Storage.Durability.JournaledCollection confirmations) : IConsentStore
{
    public const string Collection = "consent_confirmations";
    private readonly object _gate = new();

    public ConsentRecord Add(ConsentRecord draft) => records.Add(draft); // new records are pending

    public IReadOnlyList<ConsentRecord> List(string? sessionId) => records.List(sessionId).Select(WithConfirmation).ToList();

    public ConsentRecord Get(string id) => WithConfirmation(records.Get(id));

    public ConsentRecord Attach(string id, string sessionId) => WithConfirmation(records.Attach(id, sessionId));

    public ConsentRecord Withdraw(string id, DateTimeOffset at, string by) => WithConfirmation(records.Withdraw(id, at, by));

    /// <summary>Confirms the record for every session it is attached to now (replacing an earlier confirmation).</summary>
    /// <exception cref="NotFoundException">no record has that id.</exception>
    /// <exception cref="InvalidRigStateException">it was withdrawn.</exception>
    public ConsentRecord Confirm(string id, DateTimeOffset at, string by)
    {
        lock (_gate)
        {
            var record = records.Get(id);
            if (record.Withdrawn is { } when) throw new InvalidRigStateException($"consent record '{record.Id}' was withdrawn on {when:yyyy-MM-dd}; it cannot be confirmed");
            var confirmation = new ConsentConfirmation(at, by, record.Sessions.ToList());
            confirmations.Upsert(new BsonDocument
            {
                ["_id"] = record.Id,
                ["at"] = at.ToUnixTimeMilliseconds(),
                ["by"] = by,
                ["sessions"] = new BsonArray(confirmation.Sessions.Select(s => new BsonValue(s))),
            });
            return record with { Confirmation = confirmation };
        }
    }

    private ConsentRecord WithConfirmation(ConsentRecord record) =>
        confirmations.FindById(record.Id) is { } b
            ? record with
            {
                Confirmation = new ConsentConfirmation(DateTimeOffset.FromUnixTimeMilliseconds(b["at"].AsInt64), b["by"].AsString,
                    b["sessions"].AsArray.Select(v => v.AsString).ToList()),
            }
            : record;
}
