using System.Text.Json;
using Google.Protobuf;
using EdgeRig.Core;
using Spectre.Console;

namespace EdgeRig.Cli;

/// <summary>Formatting shared by the verbs.</summary>
internal static class Output
{
    private static readonly JsonFormatter Proto = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    // enums by name ("qaVerdict": "pass", not 1): scripts read these
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void Json(IMessage message) => Console.Out.WriteLine(Proto.Format(message));

    public static void Json<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>
    /// Text from the rig or the user (names, labels, notes, tags, ids, reasons) for Spectre markup: control and bidi
    /// characters made visible (<see cref="TerminalText.Escape"/>, so none reaches the terminal), then markup-escaped.
    /// Every human-readable output of rig-supplied text goes through this or <see cref="Plain"/>.
    /// </summary>
    public static string Text(string? text) => Markup.Escape(TerminalText.Escape(text));

    /// <summary>A QA verdict in colour; "-" when there is none yet.</summary>
    public static string Verdict(QaVerdict? verdict) => verdict switch
    {
        QaVerdict.Pass => "[green]pass[/]",
        QaVerdict.Warn => "[yellow]warn[/]",
        QaVerdict.Fail => "[red]fail[/]",
        _ => "-",
    };

    /// <summary>The API's verdict as the rig's; null when the rig sent none (no report yet).</summary>
    public static QaVerdict? FromApi(Api.V1.Verdict verdict) => verdict switch
    {
        Api.V1.Verdict.Pass => QaVerdict.Pass,
        Api.V1.Verdict.Warn => QaVerdict.Warn,
        Api.V1.Verdict.Fail => QaVerdict.Fail,
        _ => null,
    };

    /// <summary>Rig-supplied text for plain (non-markup) output, such as a stderr line: control and bidi characters made visible.</summary>
    public static string Plain(string? text) => TerminalText.Escape(text);

    public static string Time(long rigNs) =>
        rigNs == 0 ? "-" : DateTimeOffset.UnixEpoch.AddTicks(rigNs / 100).ToString("yyyy-MM-dd HH:mm:ss.fff") + "Z";

    public static string Bytes(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1024 * 1024 => $"{n / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{n / 1024.0 / 1024:0.0} MiB",
        _ => $"{n / 1024.0 / 1024 / 1024:0.00} GiB",
    };

    public static string Duration(long startNs, long stopNs) => stopNs > startNs ? $"{(stopNs - startNs) / 1e9:0.0} s" : "-";

    public static IAnsiConsole Ansi { get; } = Create();

    private static IAnsiConsole Create()
    {
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected) console.Profile.Width = 160;
        return console;
    }
}
