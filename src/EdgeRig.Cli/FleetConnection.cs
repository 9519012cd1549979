using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using EdgeRig.Upload;
using EdgeRig.Upload.Fleet;

namespace EdgeRig.Cli;

/// <summary>
/// Where `edgerig fleet` reads from: the bucket the rigs upload to, given as the rig file's <c>upload</c> section gives it
/// (--endpoint, --bucket, --prefix, --region, --credentials-file, --profile), with the AWS tools' environment as defaults
/// ($AWS_ENDPOINT_URL, $AWS_SHARED_CREDENTIALS_FILE, $AWS_PROFILE, $AWS_REGION: what `scripts/s3-local`'s s3.env sets).
/// The credentials file follows the rig's rule (owner-only, 0600). Errors print one line naming the option, never a secret.
/// </summary>
internal sealed record FleetConnection(FleetOptions Options, S3Credentials Credentials)
{
    public static readonly Option<string?> Endpoint = new("--endpoint")
        { Description = "The S3 endpoint the rigs upload to, https://host[:port] (http only on loopback; default: $AWS_ENDPOINT_URL)", Recursive = true };

    public static readonly Option<string?> Bucket = new("--bucket") { Description = "The bucket (the rigs' upload.bucket)", Recursive = true };

    public static readonly Option<string?> Prefix = new("--prefix") { Description = "The rigs' upload.prefix (default: none)", Recursive = true };

    public static readonly Option<string?> Region = new("--region") { Description = "The bucket's region (default: $AWS_REGION, else us-east-1)", Recursive = true };

    public static readonly Option<string?> CredentialsFile = new("--credentials-file")
    {
        Description = "AWS shared-credentials file, mode 0600 (default: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)",
        Recursive = true,
    };

    public static readonly Option<string?> Profile = new("--profile") { Description = "Profile in the credentials file (default: $AWS_PROFILE, else default)", Recursive = true };

    public static void AddTo(Command command)
    {
        foreach (var option in new Option[] { Endpoint, Bucket, Prefix, Region, CredentialsFile, Profile }) command.Options.Add(option);
    }

    /// <exception cref="UploadSettingsException">an option that cannot work, named as the rig file's upload section names it.</exception>
    public static FleetConnection Resolve(ParseResult parse)
    {
        string endpoint = parse.GetValue(Endpoint) ?? Env("AWS_ENDPOINT_URL")
            ?? throw new ArgumentException("give the S3 endpoint the rigs upload to: --endpoint https://host[:port] (or set $AWS_ENDPOINT_URL)");
        string bucket = parse.GetValue(Bucket) ?? throw new ArgumentException("give the bucket the rigs upload to: --bucket NAME");
        string file = parse.GetValue(CredentialsFile) ?? Env("AWS_SHARED_CREDENTIALS_FILE")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
        var options = new FleetOptions
        {
            Endpoint = UploadEndpoint.Parse(endpoint), Bucket = bucket, Prefix = parse.GetValue(Prefix) ?? "",
            Region = parse.GetValue(Region) ?? Env("AWS_REGION") ?? "us-east-1",
        }.Validate();
        return new FleetConnection(options, S3CredentialsFile.Read(file, parse.GetValue(Profile) ?? Env("AWS_PROFILE") ?? "default"));
    }

    public S3BucketReader OpenReader() => new(Options, Credentials);

    /// <summary>The option a settings error is about (the library names the rig-file field).</summary>
    private static string OptionOf(string field) => field switch
    {
        UploadEndpoint.Field => "--endpoint",
        "upload.bucket" => "--bucket",
        "upload.prefix" => "--prefix",
        S3CredentialsFile.Field => "--credentials-file",
        _ => field,
    };

    /// <summary>Runs a fleet verb: a failure prints one line on stderr and gives the CLI's exit codes (3 unreachable, 2 refused keys, 1 the rest).</summary>
    public static async Task<int> Guard(ParseResult parse, Func<FleetConnection, Task<int>> verb)
    {
        FleetConnection? connection = null;
        string Where() => connection is null ? "the S3 endpoint" : $"{connection.Options.Endpoint.GetLeftPart(UriPartial.Authority)}";
        try
        {
            connection = Resolve(parse);
            return await verb(connection);
        }
        catch (UploadSettingsException e) { return await FailAsync(1, $"{OptionOf(e.Field)}: {e.Reason}"); }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return await FailAsync(1, $"bucket '{connection?.Options.Bucket}' does not exist at {Where()}");
        }
        catch (AmazonServiceException e) when (Unreachable(e) is { } cause)
        {
            return await FailAsync(3, $"cannot reach {Where()}: {cause}");
        }
        catch (AmazonServiceException e) when (e.StatusCode == HttpStatusCode.Forbidden
            || e.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied")
        {
            return await FailAsync(2, $"{Where()} refused {connection?.Credentials} for bucket '{connection?.Options.Bucket}': {e.ErrorCode}");
        }
        catch (AmazonServiceException e) { return await FailAsync(1, $"S3 {e.ErrorCode ?? ((int)e.StatusCode).ToString()}: {e.Message}"); }
        catch (Exception e) when (Unreachable(e) is { } cause) { return await FailAsync(3, $"cannot reach {Where()}: {cause}"); }
        catch (Exception e) when (e is FleetDownloadException or IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
        {
            return await FailAsync(1, e.Message);
        }
    }

    private static async Task<int> FailAsync(int code, string message)
    {
        await Console.Error.WriteLineAsync($"edgerig: {Output.Plain(message)}");
        return code;
    }

    /// <summary>Why the endpoint could not be reached (refused, no route, name unknown, timed out), or null if it answered.</summary>
    private static string? Unreachable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SocketException or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
                return e.Message;
            else if (e is TimeoutException) return "no answer in time"; // HttpClient's timeout (inside a TaskCanceledException); Ctrl+C is not one
        return null;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
