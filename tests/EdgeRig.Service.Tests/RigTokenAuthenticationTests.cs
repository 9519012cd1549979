using System.Security.Claims;
using EdgeRig.Core;
using EdgeRig.Service.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Service.Tests;

/// <summary>The one bearer-token scheme of gRPC and the dashboard, run through ASP.NET Core's authentication service.</summary>
public sealed class RigTokenAuthenticationTests
{
    private const string Secret = OneTokenStore.Secret;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly List<string> _logged = [];
    private readonly ITokenStore _tokens;

    public RigTokenAuthenticationTests() => _tokens = new OneTokenStore(_time.GetUtcNow(), Role.Lab);

    /// <summary>Every log message at every level, to prove no token is ever written.</summary>
    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines) lines.Add(formatter(state, exception));
        }
        public void Dispose() { }
    }

    private HttpContext Request(string? authorization)
    {
        var services = new ServiceCollection()
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(new ListLoggerProvider(_logged)))
            .AddSingleton(_tokens)
            .AddSingleton<TimeProvider>(_time)
            .AddRigTokenAuthentication()
            .BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        if (authorization is not null) http.Request.Headers.Authorization = authorization;
        return http;
    }

    /// <summary>Data protection's hosted service makes an XML key ring at start-up, resident for the service's life (#14).</summary>
    [Fact]
    public void AddRigTokenAuthentication_Registers_NoDataProtection()
    {
        var services = new ServiceCollection().AddRigTokenAuthentication();
        Assert.DoesNotContain(services, d => d.ServiceType.Namespace?.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal) == true);
        Assert.Contains(services, d => d.ServiceType == typeof(RigTokenAuthenticationHandler));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic YW5hOnB3")]
    [InlineData("Bearer")]
    public async Task Authenticate_NoBearerToken_Missing(string? authorization)
    {
        var outcome = await RigTokenAuthentication.AuthenticateAsync(Request(authorization));
        Assert.True(outcome.Missing);
        Assert.Null(outcome.Caller);
    }

    [Theory]
    [InlineData("Bearer " + Secret)]
    [InlineData("bearer   " + Secret + "  ")]
    public async Task Authenticate_ValidToken_PrincipalWithNameAndRole(string authorization)
    {
        var http = Request(authorization);
        var outcome = await RigTokenAuthentication.AuthenticateAsync(http);
        Assert.Equal(new Caller("ana", Role.Lab), outcome.Caller);
        Assert.False(outcome.Refused);
        Assert.Equal("ana", http.User.Identity?.Name);
        Assert.True(http.User.IsInRole(nameof(Role.Lab)));
        Assert.False(http.User.IsInRole(nameof(Role.Admin)));
        Assert.Equal(RigTokenAuthenticationHandler.SchemeName, http.User.Identity?.AuthenticationType);
    }

    [Theory]
    [InlineData("Bearer erk_forged")]
    [InlineData("Bearer ")]
    public async Task Authenticate_UnknownToken_RefusedAndNeverLogged(string authorization)
    {
        var http = Request(authorization);
        var outcome = await RigTokenAuthentication.AuthenticateAsync(http);
        Assert.True(outcome.Refused);
        Assert.Null(outcome.Caller);
        Assert.False(http.User.Identity?.IsAuthenticated ?? false);
        Assert.NotEmpty(_logged); // the handler logged the refusal: the check below looked at something
        Assert.All(_logged, line => Assert.DoesNotContain("erk_", line));
    }

    [Fact]
    public async Task Authenticate_ValidThenExpired_RefusedOnTheNextRequest_AndNoTokenLogged()
    {
        Assert.NotNull((await RigTokenAuthentication.AuthenticateAsync(Request("Bearer " + Secret))).Caller);
        _time.Advance(TimeSpan.FromHours(2));
        Assert.True((await RigTokenAuthentication.AuthenticateAsync(Request("Bearer " + Secret))).Refused);
        Assert.NotEmpty(_logged);
        Assert.All(_logged, line => Assert.DoesNotContain(Secret, line));
    }

    [Fact]
    public void CallerOf_PrincipalOfTheScheme_NameAndRole()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "bo"), new Claim(ClaimTypes.Role, "Technician")], "x"));
        Assert.Equal(new Caller("bo", Role.Technician), RigTokenAuthentication.CallerOf(principal));
    }
}
