namespace EdgeRig.Upload;

/// <summary>
/// Reads the AWS shared-credentials INI format (<c>[profile]</c> sections with <c>aws_access_key_id</c> and
/// <c>aws_secret_access_key</c>), the file every S3 tool writes. Like the rig's data-key file it must be a regular file
/// readable by its owner only (0600 or stricter); anything else is refused naming the file, before a byte of it is read.
/// </summary>
public static class S3CredentialsFile
{
    public const string Field = "upload.credentialsFile";

    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <exception cref="UploadSettingsException">missing, not private, or without that profile and both keys.</exception>
    public static S3Credentials Read(string path, string profile = "default")
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UploadSettingsException(Field, "is empty");
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) info = (FileInfo?)info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        if (!info.Exists) throw new UploadSettingsException(Field, $"{path} does not exist");
        if ((info.Attributes & (FileAttributes.Directory | FileAttributes.Device)) != 0)
            throw new UploadSettingsException(Field, $"{path} is not a regular file");
        var mode = info.UnixFileMode;
        if ((mode & GroupOrOthers) != 0)
            throw new UploadSettingsException(Field,
                $"{path} has mode {Octal(mode)}: a credentials file must be readable by its owner only (0600): chmod 600 {path}");
        return Parse(File.ReadAllLines(path), path, profile);
    }

    /// <summary>Parses INI lines; <paramref name="source"/> names the file in errors.</summary>
    internal static S3Credentials Parse(IEnumerable<string> lines, string source, string profile)
    {
        string? section = null, keyId = null, secret = null;
        bool found = false;
        int lineNumber = 0;
        foreach (string raw in lines)
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                if (!line.EndsWith(']')) throw new UploadSettingsException(Field, $"{source} line {lineNumber}: a section header must end with ']'");
                section = line[1..^1].Trim();
                found |= section == profile;
                continue;
            }
            int eq = line.IndexOf('=');
            if (eq < 0) throw new UploadSettingsException(Field, $"{source} line {lineNumber}: expected 'name = value'");
            if (section != profile) continue;
            string name = line[..eq].Trim(), value = line[(eq + 1)..].Trim();
            if (name == "aws_access_key_id") keyId = value;
            else if (name == "aws_secret_access_key") secret = value;
        }
        if (!found) throw new UploadSettingsException(Field, $"{source} has no [{profile}] profile");
        if (string.IsNullOrEmpty(keyId)) throw new UploadSettingsException(Field, $"{source} [{profile}] has no aws_access_key_id");
        if (string.IsNullOrEmpty(secret)) throw new UploadSettingsException(Field, $"{source} [{profile}] has no aws_secret_access_key");
        return new S3Credentials(keyId, secret);
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
