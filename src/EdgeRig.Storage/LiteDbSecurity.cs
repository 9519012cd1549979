using EdgeRig.Storage.Durability;
using System.Security.Cryptography;
using EdgeRig.Core;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>Tokens in the catalogue's "tokens" collection: name, role, SHA-256 of the secret, dates. Secrets are 32 random bytes.</summary>
public sealed class LiteDbTokenStore(LiteDbSessionStore catalogue) : ITokenStore
{
    public const string Prefix = "erk_";
    private readonly JournaledCollection _tokens = catalogue.CatalogueCollection("tokens");

    public string Create(string name, Role role, DateTimeOffset? expires)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
            throw new ArgumentException($"token name '{name}' must be 1-64 letters, digits, '-', '_', '.' or '@'");
        if (_tokens.FindById(name) is not null) throw new ArgumentException($"a token named '{name}' already exists; revoke it or choose another name");
        string secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _tokens.Insert(new BsonDocument
        {
            ["_id"] = name,
            ["role"] = role.ToString(),
            ["sha256"] = Hash(secret),
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["expires"] = expires is { } e ? e.ToUnixTimeMilliseconds() : BsonValue.Null,
            ["revoked"] = BsonValue.Null,
        });
        _tokens.EnsureIndex("sha256", unique: true);
        return secret;
    }

    public TokenRecord? Validate(string secret, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 256) return null;
        var doc = _tokens.FindOne(Query.EQ("sha256", Hash(secret)));
        var token = doc is null ? null : ToRecord(doc);
        return token is not null && token.IsValidAt(now) ? token : null;
    }

    public void Revoke(string name, DateTimeOffset at)
    {
        var doc = _tokens.FindById(name) ?? throw new ArgumentException($"no token is named '{name}'");
        doc["revoked"] = at.ToUnixTimeMilliseconds();
        _tokens.Update(doc);
    }

    public IReadOnlyList<TokenRecord> List() => _tokens.FindAll().Select(ToRecord).OrderBy(t => t.Created).ToList();

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));

    private static DateTimeOffset? Time(BsonValue v) => v.IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(v.AsInt64);

    private static TokenRecord ToRecord(BsonDocument d) => new(d["_id"].AsString, Enum.Parse<Role>(d["role"].AsString), d["sha256"].AsString,
        DateTimeOffset.FromUnixTimeMilliseconds(d["created"].AsInt64), Time(d["expires"]), Time(d["revoked"]));
}

/// <summary>The audit trail in the catalogue's "audit" collection.</summary>
public sealed class LiteDbAuditLog(LiteDbSessionStore catalogue) : IAuditLog
{
    private readonly JournaledCollection _audit = catalogue.CatalogueCollection("audit");

    public void Append(AuditEntry e) => _audit.Insert(new BsonDocument
    {
        ["at"] = e.At.ToUnixTimeMilliseconds(),
        ["who"] = e.Who,
        ["action"] = e.Action,
        ["session"] = e.SessionId,
        ["detail"] = e.Detail,
        ["ok"] = e.Succeeded,
    });

    public IReadOnlyList<AuditEntry> Read(string? sessionId, int limit)
    {
        var query = _audit.Query();
        if (!string.IsNullOrEmpty(sessionId)) query = query.Where("$.session = @0", sessionId);
        return query.OrderByDescending("_id").Limit(Math.Clamp(limit, 1, 10_000)).ToEnumerable()
            .Select(d => new AuditEntry(DateTimeOffset.FromUnixTimeMilliseconds(d["at"].AsInt64), d["who"].AsString, d["action"].AsString,
                d["session"].AsString, d["detail"].AsString, d["ok"].AsBoolean)).ToList();
    }
}
