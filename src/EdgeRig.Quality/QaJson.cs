using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>JSON form of <see cref="QaReport"/>: what is stored with a session and served to clients; reads back exactly.</summary>
internal static class QaJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new RigTimeConverter() },
    };

    public static string Serialize(QaReport report) => JsonSerializer.Serialize(report, Options);

    public static QaReport Deserialize(string json) =>
        JsonSerializer.Deserialize<QaReport>(json, Options) ?? throw new JsonException("the document is empty (null), not a QA report");

    /// <summary>
    /// A rig time as "2026-11-27T12:00:00.123456789Z": readable, and exact (a JSON number of nanoseconds since 1970 is
    /// past what a JavaScript client reads without loss). Whole nanoseconds as a number are accepted too.
    /// </summary>
    private sealed class RigTimeConverter : JsonConverter<RigTime>
    {
        public override RigTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number) return new RigTime(reader.GetInt64());
            string text = reader.GetString() ?? throw new JsonException("a rig time must be a string");
            return Parse(text) ?? throw new JsonException($"'{text}' is not a rig time (yyyy-MM-ddTHH:mm:ss.fffffffffZ)");
        }

        public override void Write(Utf8JsonWriter writer, RigTime value, JsonSerializerOptions options) => writer.WriteStringValue(Format(value));

        internal static string Format(RigTime t)
        {
            long seconds = Math.DivRem(t.Nanoseconds, 1_000_000_000L, out long fraction);
            if (fraction < 0) { seconds--; fraction += 1_000_000_000L; }
            var whole = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return $"{whole.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)}.{fraction:D9}Z";
        }

        internal static RigTime? Parse(string text)
        {
            int dot = text.IndexOf('.');
            if (dot < 0 || !text.EndsWith('Z') || text.Length - dot - 2 != 9) return null;
            if (!DateTimeOffset.TryParseExact(text[..dot], "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var whole)
                || !long.TryParse(text.AsSpan(dot + 1, 9), NumberStyles.None, CultureInfo.InvariantCulture, out long fraction))
                return null;
            return new RigTime(whole.ToUnixTimeSeconds() * 1_000_000_000L + fraction);
        }
    }
}
