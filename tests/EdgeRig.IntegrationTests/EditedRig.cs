using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeRig.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRig.IntegrationTests;

/// <summary>The real service on the quiet default rig with a test's edits to its rig file (faults, privacy, smaller cameras).</summary>
internal sealed class EditedRig : IAsyncDisposable
{
    public readonly string Dir = Paths.TempDir("rig");
    public WebApplication App = null!;
    public string Url = "";

    public static async Task<EditedRig> StartAsync(Action<JsonObject> edit)
    {
        var rig = new EditedRig();
        var json = JsonNode.Parse(File.ReadAllText(Paths.QuietButtonRig(rig.Dir)), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        edit(json);
        File.WriteAllText(Paths.QuietButtonRig(rig.Dir, write: false), json.ToJsonString());
        rig.App = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", rig.Dir, "--rig", Paths.QuietButtonRig(rig.Dir, write: false), "--Logging:LogLevel:Default=Warning"]);
        await rig.App.StartAsync();
        rig.Url = rig.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return rig;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
        File.Delete(Paths.QuietButtonRig(Dir, write: false));
    }
}
