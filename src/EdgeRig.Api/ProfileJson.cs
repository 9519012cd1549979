using Google.Protobuf;

namespace EdgeRig.Api;

/// <summary>
/// Messages that mirror a calibration profile file's JSON field by field (SpatialSection and its parts, SpatialTolerances) read
/// straight from it, so the profile's types and the API's stay one shape with no copying code between them. Members the message
/// leaves out (a lens's derived "distortion") are skipped.
/// </summary>
public static class ProfileJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static T Read<T>(string json) where T : IMessage<T>, new() => Parser.Parse<T>(json);
}
