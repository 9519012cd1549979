using System.CommandLine;
using System.Globalization;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>
/// `edgerig consent add|list|attach|confirm|withdraw`: consent records of pseudonymous subjects, attached to sessions. Records are
/// pending (release nothing) until lab or admin confirms them.
/// </summary>
internal static class ConsentCommand
{
    public static Command Create()
    {
        var command = new Command("consent", "Consent records: who agreed to be recorded, for what, until when");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Attach());
        command.Subcommands.Add(Confirm());
        command.Subcommands.Add(Withdraw());
        return command;
    }

    private static Command Add()
    {
        var subject = new Option<string>("--subject") { Description = "Pseudonymous subject id (never a name), e.g. S-0042", Required = true };
        var scope = new Option<string>("--scope") { Description = "What the subject agreed to: video, audio or video,audio", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "What the data may be used for", Required = true };
        var form = new Option<string>("--form") { Description = "Reference of the signed consent form (kept off the rig)", Required = true };
        var granted = new Option<string?>("--granted") { Description = "Date consent was given (YYYY-MM-DD; default: now)" };
        var expires = new Option<string?>("--expires") { Description = "Date it ends (YYYY-MM-DD; default: no expiry)" };
        var sessions = new Option<string[]>("--session") { Description = "Session(s) it covers (repeatable)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("add", "Record a consent and attach it to sessions") { subject, scope, purpose, form, granted, expires, sessions };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var request = new AddConsentRequest
            {
                Subject = parse.GetValue(subject) ?? "",
                Purpose = parse.GetValue(purpose) ?? "",
                FormReference = parse.GetValue(form) ?? "",
                GrantedMs = ParseDate(parse.GetValue(granted), "--granted"),
                ExpiresMs = ParseDate(parse.GetValue(expires), "--expires"),
            };
            request.Scopes.AddRange((parse.GetValue(scope) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            request.Sessions.AddRange(parse.GetValue(sessions) ?? []);
            var c = await new Privacy.PrivacyClient(channel).AddConsentAsync(request, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(c);
            else Output.Ansi.MarkupLine($"consent [bold]{Output.Text(c.Id)}[/] for subject {Output.Text(c.Subject)}: {string.Join(", ", c.Scopes)}, " +
                $"covers {c.Sessions.Count} session(s); [yellow]pending[/]: it releases nothing until lab or admin confirms it (edgerig consent confirm {Output.Text(c.Id)})");
            return 0;
        }));
        return command;
    }

    private static Command List()
    {
        var session = new Option<string?>("--session") { Description = "Only the records attached to this session" };
        var command = new Command("list", "List consent records") { session };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Privacy.PrivacyClient(channel).ListConsentsAsync(new ListConsentsRequest { SessionId = parse.GetValue(session) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            var table = new Table().AddColumns("id", "subject", "scopes", "purpose", "granted", "expires", "form", "sessions", "state");
            foreach (var c in reply.Consents)
                table.AddRow(Output.Text(c.Id), Output.Text(c.Subject), string.Join(",", c.Scopes), Output.Text(c.Purpose), Date(c.GrantedMs),
                    c.ExpiresMs > 0 ? Date(c.ExpiresMs) : "-", Output.Text(c.FormReference), Output.Text(string.Join(" ", c.Sessions)),
                    State(c));
            Output.Ansi.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Attach()
    {
        var id = new Argument<string>("id") { Description = "Consent record id" };
        var session = new Option<string>("--session") { Description = "Session to attach it to", Required = true };
        var command = new Command("attach", "Attach a consent record to another session") { id, session };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var c = await new Privacy.PrivacyClient(channel).AttachConsentAsync(new AttachConsentRequest { Id = parse.GetValue(id) ?? "", SessionId = parse.GetValue(session) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(c);
            else Output.Ansi.MarkupLine($"consent {Output.Text(c.Id)} now covers {Output.Text(string.Join(", ", c.Sessions))}");
            return 0;
        }));
        return command;
    }

    private static Command Confirm()
    {
        var id = new Argument<string>("id") { Description = "Consent record id" };
        var command = new Command("confirm", "Confirm a consent record against its signed form (lab, admin): it then releases the data it covers " +
            "for the sessions attached now (audited)") { id };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var c = await new Privacy.PrivacyClient(channel).ConfirmConsentAsync(new ConfirmConsentRequest { Id = parse.GetValue(id) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(c);
            else Output.Ansi.MarkupLine($"consent {Output.Text(c.Id)} confirmed by {Output.Text(c.ConfirmedBy)}: releases {string.Join(", ", c.Scopes)} " +
                $"of {Output.Text(string.Join(", ", c.ConfirmedSessions))}");
            return 0;
        }));
        return command;
    }

    /// <summary>withdrawn, expired, pending (never confirmed, or sessions attached since), or in force.</summary>
    internal static string State(ConsentInfo c)
    {
        if (c.WithdrawnMs > 0) return $"[red]withdrawn {Date(c.WithdrawnMs)}[/]";
        if (c.ExpiresMs > 0 && c.ExpiresMs < DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) return "[yellow]expired[/]";
        if (c.ConfirmedMs == 0) return "[yellow]pending confirmation[/]";
        var pending = c.Sessions.Except(c.ConfirmedSessions).ToList();
        return pending.Count == 0
            ? $"[green]in force[/] (confirmed by {Output.Text(c.ConfirmedBy)})"
            : $"[green]in force[/]; [yellow]pending for {Output.Text(string.Join(" ", pending))}[/]";
    }

    private static Command Withdraw()
    {
        var id = new Argument<string>("id") { Description = "Consent record id" };
        var command = new Command("withdraw", "Withdraw a consent: the affected camera and audio data of its sessions is purged (audited)") { id };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Privacy.PrivacyClient(channel).WithdrawConsentAsync(new WithdrawConsentRequest { Id = parse.GetValue(id) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            Output.Ansi.MarkupLine($"consent {Output.Text(reply.Consent.Id)} withdrawn");
            foreach (var p in reply.Purged) Output.Ansi.MarkupLine($"[red]purged[/] {Output.Text(p.SessionId)}/{Output.Text(p.Stream)} ({Output.Bytes(p.ErasedBytes)} erased)");
            foreach (var k in reply.Kept) Output.Ansi.MarkupLine($"kept {Output.Text(k)}");
            return 0;
        }));
        return command;
    }

    private static string Date(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static long ParseDate(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return 0;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at.ToUnixTimeMilliseconds();
        throw new ArgumentException($"{option} '{text}' is not a date (YYYY-MM-DD or ISO-8601)");
    }
}
