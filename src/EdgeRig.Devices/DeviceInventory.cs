using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Devices.Camera;

namespace EdgeRig.Devices;

/// <summary>What the board has: video nodes, PortAudio inputs, serial ports, I2C buses and GPIO chips.</summary>
public sealed record BoardDevices(IReadOnlyList<string> Video, IReadOnlyList<AudioInputDevice> AudioInputs, IReadOnlyList<string> Serial,
    IReadOnlyList<string> I2cBuses, IReadOnlyList<string> GpioChips, string? AudioProblem);

/// <summary>How a rig-file device or a board device compares.</summary>
public enum InventoryStatus
{
    /// <summary>The rig file expects it and the board has it.</summary>
    Present,
    /// <summary>The rig file expects it and the board does not have it.</summary>
    Missing,
    /// <summary>The board has it; no device of the rig file uses it.</summary>
    Unused,
    /// <summary>The rig file uses the simulated twin: nothing to find.</summary>
    Simulated,
}

/// <summary>One line of the inventory: category (video, audio, serial, i2c, gpio), what, which rig device, status, detail.</summary>
public sealed record InventoryEntry(string Category, string Name, string? DeviceId, InventoryStatus Status, string Detail);

/// <summary>Lists what the board has next to what a rig file expects (for `edgerig devices`).</summary>
public static class DeviceInventory
{
    private static readonly string[] SerialPatterns = ["ttyAMA*", "ttyUSB*", "ttyACM*", "serial0", "serial1"];

    /// <summary>Scans <paramref name="devDirectory"/> and asks PortAudio for inputs (a failure to is reported, not thrown).</summary>
    public static BoardDevices Scan(string devDirectory = "/dev", Func<IReadOnlyList<AudioInputDevice>>? listAudio = null)
    {
        IReadOnlyList<AudioInputDevice> audio = [];
        string? problem = null;
        try
        {
            audio = (listAudio ?? PortAudioDevices.ListInputs)();
        }
        catch (Exception e) when (e is IOException or DllNotFoundException or EntryPointNotFoundException)
        {
            problem = $"PortAudio: {e.Message}";
        }
        string[] Glob(params string[] patterns) => Directory.Exists(devDirectory)
            ? patterns.SelectMany(p => Directory.GetFileSystemEntries(devDirectory, p)).Order(StringComparer.Ordinal).ToArray()
            : [];
        var serial = Glob(SerialPatterns).Concat(Directory.Exists(Path.Combine(devDirectory, "serial", "by-id"))
            ? Directory.GetFileSystemEntries(Path.Combine(devDirectory, "serial", "by-id")) : []).ToArray();
        return new BoardDevices(V4l2Camera.EnumerateDevices(devDirectory), audio, serial, Glob("i2c-*"), Glob("gpiochip*"), problem);
    }

    /// <summary>Every rig-file device with its status, then every board device no rig device uses.</summary>
    public static IReadOnlyList<InventoryEntry> Compare(RigProfile rig, BoardDevices board, string devDirectory = "/dev")
    {
        var entries = new List<InventoryEntry>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in rig.Devices)
        {
            if (d.Driver == "sim")
            {
                entries.Add(new InventoryEntry(CategoryOf(d.Kind), "(simulated)", d.Id, InventoryStatus.Simulated, d.Kind));
                continue;
            }
            var (name, found, detail) = d.Kind switch
            {
                "microphone" => Audio(d, board),
                "imu" => Path.Combine(devDirectory, $"i2c-{d.Bus}") is var bus
                    ? (bus, board.I2cBuses.Contains(bus), $"{d.Driver} at 0x{(d.Address == 0 ? 0 : d.Address):X2} (address not probed)") : default,
                _ => (d.Path, PathExists(d.Path), $"{d.Driver} {d.Path}"),
            };
            used.Add(name);
            if (d.Kind is "camera" or "lidar" or "gpio-button" or "gpio-output" or "pps" && PathExists(d.Path))
                used.Add(Path.GetFullPath(ResolveLink(d.Path)));
            entries.Add(new InventoryEntry(CategoryOf(d.Kind), name, d.Id, found ? InventoryStatus.Present : InventoryStatus.Missing, detail));
        }
        void Unused(string category, IEnumerable<string> names)
        {
            foreach (var n in names.Where(n => !used.Contains(n) && !used.Contains(Path.GetFullPath(ResolveLink(n)))))
                entries.Add(new InventoryEntry(category, n, null, InventoryStatus.Unused, ""));
        }
        Unused("video", board.Video);
        Unused("audio", board.AudioInputs.Select(a => a.Name));
        Unused("serial", board.Serial);
        Unused("i2c", board.I2cBuses);
        Unused("gpio", board.GpioChips);
        if (board.AudioProblem is not null) entries.Add(new InventoryEntry("audio", "(PortAudio)", null, InventoryStatus.Missing, board.AudioProblem));
        return entries;
    }

    private static (string, bool, string) Audio(DeviceProfile d, BoardDevices board)
    {
        var match = string.IsNullOrEmpty(d.DeviceName) ? board.AudioInputs.FirstOrDefault()
            : board.AudioInputs.FirstOrDefault(a => a.Name.Contains(d.DeviceName, StringComparison.OrdinalIgnoreCase));
        return match is null
            ? (string.IsNullOrEmpty(d.DeviceName) ? "(default input)" : d.DeviceName, false, $"{d.Channels} ch at {d.RateHz} Hz")
            : (match.Name, true, $"{match.HostApi}, up to {match.MaxInputChannels} ch, default {match.DefaultSampleRate} Hz");
    }

    private static bool PathExists(string path) => !string.IsNullOrEmpty(path) && (File.Exists(path) || Directory.Exists(path));

    private static string ResolveLink(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static string CategoryOf(string kind) => kind switch
    {
        "camera" => "video",
        "microphone" => "audio",
        "lidar" => "serial",
        "imu" => "i2c",
        _ => "gpio",
    };
}
