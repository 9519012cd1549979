using Spectre.Console;

namespace EdgeRig.Cli;

/// <summary>
/// The progress bar of the verbs that download (`pull`, `fleet pull`): bytes done of the total, speed and time left; none
/// when <c>quiet</c> (--json, or output redirected), so machine-read output stays clean.
/// </summary>
internal static class TransferProgress
{
    /// <summary>Runs <paramref name="transfer"/>, giving it a reporter of (bytes done, bytes total), or null when quiet.</summary>
    public static async Task<T> RunAsync<T>(string label, bool quiet, Func<Action<long, long>?, Task<T>> transfer)
    {
        if (quiet) return await transfer(null);
        return await Output.Ansi.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(label, maxValue: 1);
                var result = await transfer((done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                });
                task.Value = task.MaxValue;
                return result;
            });
    }
}
