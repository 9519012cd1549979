using EdgeRig.Service.Systemd;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Service.Tests;

/// <summary>The watchdog's use of the host's <see cref="ISystemdNotifier"/> (the real socket is in the integration tests).</summary>
public sealed class SystemdWatchdogTests
{
    /// <summary>Records what the watchdog sends; the first message completes <see cref="First"/>.</summary>
    private sealed class RecordingNotifier(bool enabled) : ISystemdNotifier
    {
        public List<string> Sent { get; } = [];
        public TaskCompletionSource<string> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool IsEnabled => enabled;

        public void Notify(ServiceState state)
        {
            lock (Sent) Sent.Add(state.ToString());
            First.TrySetResult(state.ToString());
        }
    }

    private static readonly WatchdogSettings Hourly = new(TimeSpan.FromHours(1));

    [Fact]
    public async Task Execute_Healthy_SendsWatchdog1()
    {
        var notifier = new RecordingNotifier(enabled: true);
        using var watchdog = new SystemdWatchdog(Hourly, notifier, () => null, NullLogger.Instance);
        await watchdog.StartAsync(CancellationToken.None);
        Assert.Equal("WATCHDOG=1", await notifier.First.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await watchdog.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(false, true)]  // no NOTIFY_SOCKET
    [InlineData(true, false)]  // no WATCHDOG_USEC for this process
    [InlineData(true, true)]   // the rig loop is unhealthy: the only judgement withholds the ping
    public async Task Execute_DisabledOrUnhealthy_SendsNothing(bool enabled, bool watchdogAsked)
    {
        var notifier = new RecordingNotifier(enabled);
        var judged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? Judge()
        {
            judged.TrySetResult();
            return "the recorder is stuck";
        }
        using var watchdog = new SystemdWatchdog(watchdogAsked ? Hourly : null, notifier, Judge, NullLogger.Instance);
        await watchdog.StartAsync(CancellationToken.None);
        if (enabled && watchdogAsked)
        {
            await judged.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await watchdog.StopAsync(CancellationToken.None);
        }
        else
        {
            await watchdog.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30)); // returned at once
            Assert.False(judged.Task.IsCompleted);
        }
        Assert.Empty(notifier.Sent);
    }
}
