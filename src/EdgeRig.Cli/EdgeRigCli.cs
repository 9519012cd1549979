using System.CommandLine;
using EdgeRig.Cli.Commands;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeRig.Cli;

/// <summary>The `edgerig` command line: a gRPC client of the rig, one file per verb.</summary>
public static class EdgeRigCli
{
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>Exit code of `pull` and `export` when chunks were missing or corrupt (the output holds the rest) without --allow-partial.</summary>
    public const int PartialExitCode = 5;

    public static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON instead of tables", Recursive = true };

    public static readonly Option<string?> Url = new("--url")
    {
        Description = $"The rig's address (default: $EDGERIG_URL, else {DefaultUrl})",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Access token (default: $EDGERIG_TOKEN, $EDGERIG_TOKEN_FILE, or the one saved by `edgerig login`)",
        Recursive = true,
    };

    public static readonly Option<string?> Fingerprint = new("--fingerprint")
    {
        Description = "SHA-256 fingerprint of the rig's TLS certificate to pin (shown by the rig's status and log)",
        Recursive = true,
    };

    public static readonly Option<string?> CaFile = new("--ca") { Description = "CA certificate (PEM) that signed the rig's TLS certificate", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("edgerig: control and pull from an EdgeRig capture appliance");
        root.Options.Add(Json);
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(Fingerprint);
        root.Options.Add(CaFile);
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(RecordCommand.Create());
        root.Subcommands.Add(MarkCommand.Create());
        root.Subcommands.Add(SessionsCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        root.Subcommands.Add(PullCommand.Create());
        root.Subcommands.Add(DeleteCommand.Create());
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(CalibrationCommand.CreateCalibrate());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(LoginCommand.Create());
        root.Subcommands.Add(AdminCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(QaCommand.Create());
        root.Subcommands.Add(ConsentCommand.Create());
        root.Subcommands.Add(KeyCommand.Create());
        root.Subcommands.Add(UploadCommand.Create());
        root.Subcommands.Add(FleetCommands.Create());
        return root;
    }

    public static Task<int> RunAsync(string[] args) => Build().Parse(args).InvokeAsync();

    public static string ResolveUrl(ParseResult parse) => Connection(parse).Url;

    public static RigConnection Connection(ParseResult parse) =>
        RigConnection.Resolve(parse.GetValue(Url), parse.GetValue(Token), parse.GetValue(Fingerprint), parse.GetValue(CaFile));

    private static bool IsCertificateFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is System.Security.Authentication.AuthenticationException) return true;
        return false;
    }

    /// <summary>Runs a verb: failures print one line on stderr and give a non-zero exit code.</summary>
    public static async Task<int> Guard(ParseResult parse, Func<GrpcChannel, Task<int>> verb)
    {
        string url = "(unresolved)";
        try
        {
            var connection = Connection(parse);
            url = connection.Url;
            using var channel = connection.Open();
            return await verb(channel);
        }
        catch (RpcException e) when (IsCertificateFailure(e.Status.DebugException))
        {
            await Console.Error.WriteLineAsync($"edgerig: the rig at {Output.Plain(url)} did not present a certificate this client trusts: pin it with --fingerprint (or `edgerig login`), or give --ca");
            return 3;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            await Console.Error.WriteLineAsync($"edgerig: cannot reach the rig at {Output.Plain(url)}: {Output.Plain(e.Status.Detail)}");
            return 3;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            await Console.Error.WriteLineAsync($"edgerig: Unauthenticated: {Output.Plain(e.Status.Detail)}");
            return 2;
        }
        catch (RpcException e)
        {
            await Console.Error.WriteLineAsync($"edgerig: {e.StatusCode}: {Output.Plain(e.Status.Detail)}");
            return 1;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or UriFormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"edgerig: {Output.Plain(e.Message)}");
            return 1;
        }
    }
}
