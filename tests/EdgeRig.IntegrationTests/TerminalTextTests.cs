using EdgeRig.Api.V1;
using EdgeRig.Core;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// Untrusted text (names, operator, tags, marker labels and notes, consent fields, error details) reaches the terminal with its
/// control and bidi characters made visible, through the real service and the CLI as a process; and the dashboard's shownText does the same.
/// </summary>
public sealed class TerminalTextTests(RigServiceFixture rig) : IClassFixture<RigServiceFixture>
{
    private const string Name = "report\u202Etxt.exe";
    private const string Label = "door\u001b[2J\u001b]0;owned\u0007";
    private const string Note = "n\0ote\u009b31m";

    /// <summary>Characters that must not reach a terminal: those TerminalText escapes, but the newlines between output lines.</summary>
    private static void AssertNothingRaw(string output)
    {
        var raw = output.Where(c => c != '\n' && TerminalText.NeedsEscape(c)).Select(c => $"U+{(int)c:X4}").Distinct().ToList();
        Assert.True(raw.Count == 0, $"raw {string.Join(", ", raw)} in:\n{output}");
    }

    private async Task<ProcessRunner.Result> Cli(params string[] args) =>
        await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, .. args], TimeSpan.FromSeconds(60), Paths.CliEnv(rig.Url, rig.DataDir));

    [Fact]
    public async Task HostileText_ShowSessionsConsentAndErrors_PrintItEscaped()
    {
        var client = new Rig.RigClient(rig.Channel);
        var session = await client.StartRecordingAsync(new StartRecordingRequest { Name = Name, Operator = "op\u2066x", Tags = { ["site"] = "lab\u202B1" } });
        await client.AddMarkerAsync(new AddMarkerRequest { Label = Label, Note = Note });
        await client.StopRecordingAsync(new StopRecordingRequest());
        await new Api.V1.Privacy.PrivacyClient(rig.Channel).AddConsentAsync(new AddConsentRequest
        {
            Subject = "S-0099", Scopes = { "audio" }, Purpose = "speech\u001b[5m blink", FormReference = "form\u202E-1", Sessions = { session.Id },
        });

        var show = await Cli("show", session.Id);
        Assert.True(show.ExitCode == 0, show.Stderr);
        AssertNothingRaw(show.Stdout);
        Assert.Contains("report\\u202etxt.exe", show.Stdout);
        Assert.Contains("op\\u2066x", show.Stdout);
        Assert.Contains("site=lab\\u202b1", show.Stdout);
        Assert.Contains("door\\x1b[2J\\x1b]0;owned\\x07", show.Stdout);
        Assert.Contains("n\\x00ote\\x9b31m", show.Stdout);

        var sessions = await Cli("sessions");
        AssertNothingRaw(sessions.Stdout);
        Assert.Contains("report\\u202etxt.exe", sessions.Stdout);

        var consents = await Cli("consent", "list", "--session", session.Id);
        AssertNothingRaw(consents.Stdout);
        Assert.Contains("speech\\x1b[5m", consents.Stdout);
        Assert.Contains("form\\u202e-1", consents.Stdout);

        // an error the rig words around an id it was given: one line, escaped
        var error = await Cli("show", "nope\u001b[2J\u202E");
        Assert.NotEqual(0, error.ExitCode);
        AssertNothingRaw(error.Stderr.TrimEnd('\n'));
        Assert.StartsWith("edgerig: ", error.Stderr);
    }

    [Fact]
    public async Task Dashboard_ShownText_EscapesLikeTheCli_AndThePageNeverParsesRigTextAsHtml()
    {
        string wwwroot = Path.Combine(Paths.RepoRoot, "src", "EdgeRig.Service", "wwwroot");
        string[] samples = [Name, Label, Note, "plain caf\u00e9", "\u2067x\u2069\u200e\u061c"];
        string script = "const vm = require('vm'); const ctx = vm.createContext({});" +
            $"const shown = vm.runInContext(require('fs').readFileSync({System.Text.Json.JsonSerializer.Serialize(Path.Combine(wwwroot, "text.js"))}, 'utf8') + ';shownText', ctx);" +
            $"process.stdout.write(JSON.stringify({System.Text.Json.JsonSerializer.Serialize(samples)}.map(shown)));";
        var run = await ProcessRunner.RunAsync("node", ["-e", script], TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(samples.Select(TerminalText.Escape), System.Text.Json.JsonSerializer.Deserialize<string[]>(run.Stdout)!);

        string app = File.ReadAllText(Path.Combine(wwwroot, "app.js"));
        foreach (string sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser" })
            Assert.DoesNotContain(sink, app);
        string index = File.ReadAllText(Path.Combine(wwwroot, "index.html"));
        Assert.True(index.IndexOf("src=\"text.js\"", StringComparison.Ordinal) is >= 0 and var at && at < index.IndexOf("src=\"app.js\"", StringComparison.Ordinal),
            "index.html must load text.js before app.js");
    }
}
