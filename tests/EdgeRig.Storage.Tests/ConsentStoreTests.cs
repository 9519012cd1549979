using EdgeRig.Core;
using EdgeRig.Storage;

namespace EdgeRig.Storage.Tests;

public sealed class ConsentStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-consent-" + Guid.NewGuid().ToString("N"));
    private readonly LiteDbSessionStore _store;
    private readonly LiteDbConsentStore _consents;
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public ConsentStoreTests()
    {
        _store = new LiteDbSessionStore(_dir, new SessionStoreOptions { FreeSpaceReserveBytes = 0 });
        _consents = new LiteDbConsentStore(_store);
        var cam = new StreamDescriptor(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");
        foreach (var id in new[] { "s1", "s2" })
            _store.CreateSession(new Session(id, id, "ana", new Dictionary<string, string>(), RigTime.FromDateTimeOffset(Now), null, SessionState.Recording, "rig"), [cam]);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static ConsentRecord Draft(string subject = "S-0042", string[]? scopes = null, DateTimeOffset? expires = null, string[]? sessions = null) =>
        new("", subject, scopes ?? ["video"], "training a door detector", Now.AddDays(-1), expires, "form-2026-117", sessions ?? ["s1"], Now, "tech");

    [Fact]
    public void Add_ThenList_AttachedToItsSessions()
    {
        var c = _consents.Add(Draft(scopes: ["video", "audio", "video"]));
        Assert.StartsWith("c-", c.Id);
        Assert.Equal(["audio", "video"], c.Scopes);
        Assert.Equal([c.Id], _consents.List("s1").Select(x => x.Id));
        Assert.Empty(_consents.List("s2"));
        _consents.Attach(c.Id, "s2");
        Assert.Equal([c.Id], _consents.List("s2").Select(x => x.Id));
    }

    [Theory]
    [InlineData("Ana Lopez", "subject")]
    [InlineData("", "subject")]
    public void Add_BadSubject_NamesTheField(string subject, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => _consents.Add(Draft(subject)));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Add_BadScopeOrDatesOrSession_Refused()
    {
        Assert.Contains("scope 'face'", Assert.Throws<ArgumentException>(() => _consents.Add(Draft(scopes: ["face"]))).Message);
        Assert.Contains("expiry", Assert.Throws<ArgumentException>(() => _consents.Add(Draft(expires: Now.AddDays(-2)))).Message);
        Assert.Throws<SessionNotFoundException>(() => _consents.Add(Draft(sessions: ["nope"])));
    }

    [Fact]
    public void Covers_ByScopeGrantExpiryAndWithdrawal()
    {
        var c = _consents.Add(Draft(expires: Now.AddDays(30)));
        Assert.True(c.Covers("video", Now, Now));
        Assert.False(c.Covers("audio", Now, Now));
        Assert.False(c.Covers("video", Now.AddDays(-2), Now)); // recorded before it was granted
        Assert.False(c.Covers("video", Now, Now.AddDays(31))); // expired since
        var w = _consents.Withdraw(c.Id, Now, "admin");
        Assert.False(w.Covers("video", Now, Now));
        Assert.Throws<InvalidRigStateException>(() => _consents.Withdraw(c.Id, Now, "admin"));
        Assert.Throws<InvalidRigStateException>(() => _consents.Attach(c.Id, "s2"));
        Assert.Throws<NotFoundException>(() => _consents.Withdraw("c-00000000", Now, "admin"));
    }
}
