using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig admin token create|list|revoke`.</summary>
internal static class AdminCommand
{
    public static Command Create()
    {
        var token = new Command("token", "Create, list and revoke access tokens (admin role)");
        var name = new Option<string>("--name") { Description = "Who or what the token is for", Required = true };
        var role = new Option<string>("--role") { Description = "technician | data | lab | admin", Required = true };
        var days = new Option<double>("--expires-days") { Description = "Expire after this many days (default: never)" };
        var create = new Command("create", "Create a token; its secret is printed once") { name, role, days };
        create.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Admin.AdminClient(channel).CreateTokenAsync(new CreateTokenRequest
            { Name = parse.GetValue(name) ?? "", Role = parse.GetValue(role) ?? "", ExpiresInDays = parse.GetValue(days) }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(reply);
            else Output.Ansi.MarkupLine($"token [bold]{Output.Text(reply.Token.Name)}[/] ({Output.Text(reply.Token.Role)}): {Output.Text(reply.Secret)}\nkeep it safe: the rig stores only its hash and cannot show it again");
            return 0;
        }));
        var list = new Command("list", "List tokens (never their secrets)");
        list.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Admin.AdminClient(channel).ListTokensAsync(new ListTokensRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            var table = new Table().AddColumns("name", "role", "created", "expires", "state");
            foreach (var t in reply.Tokens)
                table.AddRow(Output.Text(t.Name), Output.Text(t.Role), Ms(t.CreatedMs), t.ExpiresMs > 0 ? Ms(t.ExpiresMs) : "never", t.RevokedMs > 0 ? $"[red]revoked {Ms(t.RevokedMs)}[/]" : "active");
            Output.Ansi.Write(table);
            return 0;
        }));
        var revokeName = new Argument<string>("name") { Description = "Token name" };
        var revoke = new Command("revoke", "Revoke a token: it stops working at once") { revokeName };
        revoke.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Admin.AdminClient(channel).RevokeTokenAsync(new RevokeTokenRequest { Name = parse.GetValue(revokeName) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(reply);
            else Output.Ansi.MarkupLine($"revoked {Output.Text(reply.Name)}");
            return 0;
        }));
        token.Subcommands.Add(create);
        token.Subcommands.Add(list);
        token.Subcommands.Add(revoke);
        var sessionId = new Argument<string>("id") { Description = "Session id" };
        var repair = new Command("repair", "Rebuild a finished session's chunk index from its segment file (the old index is kept aside)") { sessionId };
        repair.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Admin.AdminClient(channel).RepairSessionAsync(new RepairSessionRequest { SessionId = parse.GetValue(sessionId) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            foreach (var line in reply.Repairs) Output.Ansi.MarkupLine(Output.Text(line));
            Output.Ansi.MarkupLine($"[green]repaired[/] {Output.Text(reply.SessionId)}: {reply.Chunks} chunks");
            return 0;
        }));
        var admin = new Command("admin", "Administration: tokens, session repair");
        admin.Subcommands.Add(token);
        admin.Subcommands.Add(repair);
        return admin;
    }


    internal static string Ms(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm:ss") + "Z";
}
