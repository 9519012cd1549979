using System.Diagnostics;

namespace EdgeRig.Timing.Ptp;

/// <summary>Asks ptp4l for its state; the real one runs linuxptp's pmc against the ptp4l management socket.</summary>
public interface IPtpQuery
{
    /// <summary>The raw management output, or throws <see cref="PtpUnavailableException"/> saying why there is none.</summary>
    Task<string> QueryAsync(CancellationToken cancellationToken);
}

/// <summary>PTP status cannot be read (pmc missing, socket missing, ptp4l not answering).</summary>
public sealed class PtpUnavailableException(string message) : Exception(message);

/// <summary>Runs `pmc -u -b 0 -s SOCKET 'GET TIME_STATUS_NP' 'GET PORT_DATA_SET' 'GET CURRENT_DATA_SET'`.</summary>
public sealed class PmcClient(string socketPath, string pmcPath = "pmc", TimeSpan? timeout = null) : IPtpQuery
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(3);

    public async Task<string> QueryAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
            throw new PtpUnavailableException($"ptp4l management socket {socketPath} does not exist (is ptp4l running?)");
        var psi = new ProcessStartInfo(pmcPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-u", "-b", "0", "-s", socketPath, "GET TIME_STATUS_NP", "GET PORT_DATA_SET", "GET CURRENT_DATA_SET" })
            psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new PtpUnavailableException($"{pmcPath} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PtpUnavailableException($"cannot run {pmcPath}: {e.Message} (install linuxptp)");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(_timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill();
                throw new PtpUnavailableException($"pmc did not answer within {_timeout.TotalSeconds:0.#} s");
            }
            string output = await stdout;
            if (process.ExitCode != 0)
                throw new PtpUnavailableException($"pmc exited with {process.ExitCode}: {(await stderr).Trim()}");
            return output;
        }
    }
}
