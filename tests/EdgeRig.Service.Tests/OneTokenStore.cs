using EdgeRig.Core;

namespace EdgeRig.Service.Tests;

/// <summary>A token store holding one token, "ana" with <see cref="Secret"/>, valid for an hour from <c>created</c>.</summary>
internal sealed class OneTokenStore(DateTimeOffset created, Role role) : ITokenStore
{
    public const string Secret = "erk_secret-of-ana";
    private readonly TokenRecord _ana = new("ana", role, "", created, created.AddHours(1), null);

    public string Create(string name, Role role, DateTimeOffset? expires) => throw new NotSupportedException();
    public TokenRecord? Validate(string secret, DateTimeOffset now) => secret == Secret && _ana.IsValidAt(now) ? _ana : null;
    public void Revoke(string name, DateTimeOffset at) => throw new NotSupportedException();
    public IReadOnlyList<TokenRecord> List() => [_ana];
}
