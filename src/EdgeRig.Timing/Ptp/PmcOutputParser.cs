using System.Globalization;

namespace EdgeRig.Timing.Ptp;

/// <summary>Reads the text that `pmc -u -b 0 'GET TIME_STATUS_NP' 'GET PORT_DATA_SET' 'GET CURRENT_DATA_SET'` prints.</summary>
public static class PmcOutputParser
{
    /// <summary>Parses pmc output; false (with the reason) if a needed field is missing, e.g. ptp4l did not answer.</summary>
    public static bool TryParse(string text, out PtpSnapshot? snapshot, out string error)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("sending:", StringComparison.Ordinal) || line.Contains(" RESPONSE MANAGEMENT ", StringComparison.Ordinal))
                continue;
            int space = line.IndexOfAny([' ', '\t']);
            if (space <= 0) continue;
            fields.TryAdd(line[..space], line[space..].Trim());
        }
        snapshot = null;
        string[] required = ["portState", "master_offset", "gmPresent"];
        var missing = required.Where(f => !fields.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            error = $"ptp4l gave no {string.Join(", ", missing)} (is ptp4l running and is the socket right?)";
            return false;
        }
        if (!long.TryParse(fields["master_offset"], NumberStyles.Integer, CultureInfo.InvariantCulture, out long offset))
        {
            error = $"master_offset '{fields["master_offset"]}' is not a number";
            return false;
        }
        double delay = fields.TryGetValue("meanPathDelay", out var d) && double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out var dv) ? dv : 0;
        int steps = fields.TryGetValue("stepsRemoved", out var s) && int.TryParse(s, out var sv) ? sv : 0;
        snapshot = new PtpSnapshot(fields["portState"], offset, delay, fields["gmPresent"] == "true",
            fields.GetValueOrDefault("gmIdentity", ""), steps);
        error = "";
        return true;
    }
}
