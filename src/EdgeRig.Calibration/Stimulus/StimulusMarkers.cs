using EdgeRig.Core;

namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// How a live stimulus run keeps its references in the session: one "stimulus N" marker (source "calibration") per trigger
/// edge, so a later run on the recorded session finds the same references.
/// </summary>
public static class StimulusMarkers
{
    public const string Source = "calibration";
    public const string Prefix = "stimulus ";

    /// <summary>The marker that keeps one reference; <paramref name="note"/> says where the edge came from.</summary>
    public static Marker For(StimulusReference reference, string note) => new(reference.Time, $"{Prefix}{reference.Number}", note, Source);

    /// <summary>The references kept in a session by a stimulus run, in time order (none if it was not one).</summary>
    public static List<StimulusReference> Of(SessionRecord record) =>
        record.Markers.Where(m => m.Source == Source && m.Label.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(m => new StimulusReference(int.TryParse(m.Label[Prefix.Length..], out int n) ? n : 0, m.Time)).OrderBy(r => r.Time).ToList();
}
