using EdgeRig.Core;
using EdgeRig.Timing.Ptp;

namespace EdgeRig.Timing.Tests;

public class PtpTests
{
    // captured from linuxptp 3.1.1: a software-timestamped slave in a network namespace
    internal const string SlaveOutput = """
        sending: GET TIME_STATUS_NP
        sending: GET PORT_DATA_SET
        sending: GET CURRENT_DATA_SET
        	de0c46.fffe.7e6b68-0 seq 0 RESPONSE MANAGEMENT TIME_STATUS_NP
        		master_offset              111
        		ingress_time               1795776463668194079
        		cumulativeScaledRateOffset +0.000000000
        		scaledLastGmPhaseChange    0
        		gmTimeBaseIndicator        0
        		lastGmPhaseChange          0x0000'0000000000000000.0000
        		gmPresent                  true
        		gmIdentity                 86bdab.fffe.8a08d3
        	de0c46.fffe.7e6b68-1 seq 1 RESPONSE MANAGEMENT PORT_DATA_SET
        		portIdentity            de0c46.fffe.7e6b68-1
        		portState               SLAVE
        		logMinDelayReqInterval  0
        		peerMeanPathDelay       0
        		logAnnounceInterval     1
        		announceReceiptTimeout  3
        	de0c46.fffe.7e6b68-0 seq 2 RESPONSE MANAGEMENT CURRENT_DATA_SET
        		stepsRemoved     1
        		offsetFromMaster 111.0
        		meanPathDelay    2538.0
        """;

    [Fact]
    public void Parse_SlaveOutput_ReadsStateOffsetDelayAndGrandmaster()
    {
        Assert.True(PmcOutputParser.TryParse(SlaveOutput, out var s, out _));
        Assert.Equal(new PtpSnapshot("SLAVE", 111, 2538, true, "86bdab.fffe.8a08d3", 1), s);
    }

    [Fact]
    public void Parse_NoAnswer_SaysWhatIsMissing()
    {
        Assert.False(PmcOutputParser.TryParse("sending: GET TIME_STATUS_NP\n", out var s, out var error));
        Assert.Null(s);
        Assert.Contains("portState", error);
    }

    [Fact]
    public void LockTracker_NeedsNGoodPollsInARow_LosesLockAtOnce()
    {
        var t = new PtpLockTracker(offsetThresholdNs: 1000, pollsToLock: 3);
        var good = new PtpSnapshot("SLAVE", 200, 2500, true, "gm", 1);
        var at = DateTimeOffset.UnixEpoch;
        Assert.False(t.Observe(good, at));
        Assert.False(t.Observe(good with { MasterOffsetNs = 5000 }, at)); // resets the run
        Assert.False(t.Observe(good, at));
        Assert.False(t.Observe(good, at));
        Assert.True(t.Observe(good, at.AddSeconds(5)));
        Assert.Equal(at.AddSeconds(5), t.LockedSince);
        Assert.False(t.Observe(good with { PortState = "LISTENING" }, at));
        Assert.Null(t.LockedSince);
        Assert.False(t.Observe(null, at));
    }

    [Fact]
    public async Task Monitor_SocketMissing_ReportsUnavailableNeverThrows()
    {
        var profile = new PtpProfile { Enabled = true, Socket = "/nonexistent/ptp4l.sock" };
        var monitor = new PtpMonitor(profile, new PmcClient(profile.Socket), TimeProvider.System);
        var status = await monitor.PollAsync(CancellationToken.None);
        Assert.False(status.Available);
        Assert.False(status.Locked);
        Assert.Contains("/nonexistent/ptp4l.sock does not exist", status.Error);
        Assert.StartsWith("PTP unavailable", status.Summary);
    }

    [Fact]
    public async Task Monitor_PmcMissing_ReportsUnavailable()
    {
        string socket = Path.GetTempFileName();
        try
        {
            var monitor = new PtpMonitor(new PtpProfile { Enabled = true }, new PmcClient(socket, pmcPath: "/nonexistent/pmc"), TimeProvider.System);
            var status = await monitor.PollAsync(CancellationToken.None);
            Assert.False(status.Available);
            Assert.Contains("cannot run /nonexistent/pmc", status.Error);
        }
        finally
        {
            File.Delete(socket);
        }
    }

    [Fact]
    public async Task Monitor_GoodPolls_LockAndRaisePolled()
    {
        var monitor = new PtpMonitor(new PtpProfile { Enabled = true, PollsToLock = 2 }, new FixedQuery(SlaveOutput), TimeProvider.System);
        int polled = 0;
        monitor.Polled += _ => polled++;
        Assert.False((await monitor.PollAsync(CancellationToken.None)).Locked);
        Assert.True((await monitor.PollAsync(CancellationToken.None)).Locked);
        Assert.Equal(2, polled);
        Assert.StartsWith("locked, offset 111 ns", monitor.Status.Summary);
    }

    private sealed class FixedQuery(string text) : IPtpQuery
    {
        public Task<string> QueryAsync(CancellationToken cancellationToken) => Task.FromResult(text);
    }
}
