using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig login URL --token T [--fingerprint F | --ca FILE]`: checks the token and remembers the rig.</summary>
internal static class LoginCommand
{
    public static Command Create()
    {
        var url = new Argument<string>("url") { Description = "The rig, e.g. https://rig.local:50051" };
        var command = new Command("login", "Check a token against a rig (pinning its TLS certificate) and remember both for later commands") { url };
        command.SetAction((parse, ct) =>
        {
            string target = parse.GetValue(url) ?? "";
            string? token = parse.GetValue(EdgeRigCli.Token) ?? Environment.GetEnvironmentVariable("EDGERIG_TOKEN");
            string? fingerprint = parse.GetValue(EdgeRigCli.Fingerprint) is { } f ? RigConnection.Normalize(f) : null;
            return EdgeRigCli.Guard(parse, async _ =>
            {
                if (string.IsNullOrWhiteSpace(token)) throw new ArgumentException("login needs --token (or $EDGERIG_TOKEN)");
                if (target.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && fingerprint is null && parse.GetValue(EdgeRigCli.CaFile) is null)
                    throw new ArgumentException("an https rig needs --fingerprint (from its status or log) or --ca, so the certificate can be checked");
                var connection = new RigConnection(target, token, fingerprint, parse.GetValue(EdgeRigCli.CaFile));
                using var channel = connection.Open();
                var me = await new Admin.AdminClient(channel).WhoAmIAsync(new WhoAmIRequest(), cancellationToken: ct);
                string path = Environment.GetEnvironmentVariable("EDGERIG_CONFIG") ?? LoginConfig.DefaultPath;
                new LoginConfig(target, token, fingerprint, parse.GetValue(EdgeRigCli.CaFile)).Save(path);
                if (parse.GetValue(EdgeRigCli.Json)) Output.Json(me);
                else Output.Ansi.MarkupLine($"logged in to {Output.Text(target)} as [bold]{Output.Text(me.Name)}[/] ({Output.Text(me.Role)}); saved in {Output.Text(path)}");
                return 0;
            });
        });
        return command;
    }
}
