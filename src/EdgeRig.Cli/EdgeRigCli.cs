using System.CommandLine;
using EdgeRig.Cli.Commands;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeRig.Cli;

/// <summary>The `edgerig` command line: a gRPC client of the rig, one file per verb.</summary>
public static class EdgeRigCli
{
    public const string DefaultUrl = "http://127.0.0.1:50051";

    public static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON instead of tables", Recursive = true };

    public static readonly Option<string?> Url = new("--url")
    {
        Description = $"The rig's address (default: $EDGERIG_URL, else {DefaultUrl})",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("edgerig: control and pull from an EdgeRig capture appliance");
        root.Options.Add(Json);
        root.Options.Add(Url);
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(RecordCommand.Create());
        root.Subcommands.Add(MarkCommand.Create());
        root.Subcommands.Add(SessionsCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        root.Subcommands.Add(PullCommand.Create());
        root.Subcommands.Add(DeleteCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        return root;
    }

    public static Task<int> RunAsync(string[] args) => Build().Parse(args).InvokeAsync();

    public static string ResolveUrl(ParseResult parse) =>
        parse.GetValue(Url) ?? (Environment.GetEnvironmentVariable("EDGERIG_URL") is { Length: > 0 } env ? env : DefaultUrl);

    /// <summary>Runs a verb: failures print one line on stderr and give a non-zero exit code.</summary>
    public static async Task<int> Guard(ParseResult parse, Func<GrpcChannel, Task<int>> verb)
    {
        string url = ResolveUrl(parse);
        try
        {
            using var channel = GrpcChannel.ForAddress(url);
            return await verb(channel);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            await Console.Error.WriteLineAsync($"edgerig: cannot reach the rig at {url}: {e.Status.Detail}");
            return 3;
        }
        catch (RpcException e)
        {
            await Console.Error.WriteLineAsync($"edgerig: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or UriFormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"edgerig: {e.Message}");
            return 1;
        }
    }
}
