namespace EdgeRig.Core;

/// <summary>What a token may do. Admin may do everything; lab is data plus calibration.</summary>
public enum Role { Technician, Data, Lab, Admin }

/// <summary>A token as the rig keeps it: never the secret, only its hash.</summary>
public sealed record TokenRecord(string Name, Role Role, string Sha256Hex, DateTimeOffset Created, DateTimeOffset? Expires, DateTimeOffset? Revoked)
{
    public bool IsValidAt(DateTimeOffset now) => Revoked is null && (Expires is null || Expires > now);
}

/// <summary>Who called: the token's name and role.</summary>
public sealed record Caller(string TokenName, Role Role);

/// <summary>One line of the audit trail: who did what to which session, when, and whether it worked.</summary>
public sealed record AuditEntry(DateTimeOffset At, string Who, string Action, string SessionId, string Detail, bool Succeeded);

/// <summary>Tokens with roles, stored hashed (in the catalogue).</summary>
public interface ITokenStore
{
    /// <summary>Creates a token and returns its secret, which is shown once and never stored.</summary>
    /// <exception cref="ArgumentException">the name is empty, malformed or taken.</exception>
    string Create(string name, Role role, DateTimeOffset? expires);

    /// <summary>The valid token with this secret, or null (unknown, revoked or expired).</summary>
    TokenRecord? Validate(string secret, DateTimeOffset now);

    /// <exception cref="ArgumentException">no token has that name.</exception>
    void Revoke(string name, DateTimeOffset at);

    IReadOnlyList<TokenRecord> List();
}

/// <summary>The audit trail (in the catalogue).</summary>
public interface IAuditLog
{
    void Append(AuditEntry entry);

    /// <summary>Newest first, optionally for one session.</summary>
    IReadOnlyList<AuditEntry> Read(string? sessionId, int limit);
}
