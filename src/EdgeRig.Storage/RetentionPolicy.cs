using EdgeRig.Core;

namespace EdgeRig.Storage;

/// <summary>What retention decided: sessions to delete, and sessions it would have deleted but keeps because they were never pulled.</summary>
public sealed record RetentionPlan(IReadOnlyList<string> Delete, IReadOnlyList<string> KeptUnpulled, long BytesAfter);

/// <summary>
/// Retention by age, by total size (oldest first) and keep-until-pulled. A recording session is never touched.
/// Pure: it only plans; <see cref="RetentionRunner"/> deletes.
/// </summary>
public static class RetentionPolicy
{
    public static RetentionPlan Plan(IReadOnlyList<(SessionRecord Record, long DiskBytes)> sessions, RetentionProfile profile, DateTimeOffset now)
    {
        var delete = new List<string>();
        var kept = new List<string>();
        long total = sessions.Sum(s => s.DiskBytes);
        bool Protected(SessionRecord r) => profile.KeepUntilPulled && r.PulledAt is null;
        var finished = sessions.Where(s => s.Record.Session.State != SessionState.Recording)
            .OrderBy(s => s.Record.Session.Start.Nanoseconds).ToList();

        void Remove((SessionRecord Record, long DiskBytes) s)
        {
            if (delete.Contains(s.Record.Session.Id) || kept.Contains(s.Record.Session.Id)) return;
            if (Protected(s.Record)) { kept.Add(s.Record.Session.Id); return; }
            delete.Add(s.Record.Session.Id);
            total -= s.DiskBytes;
        }

        if (profile.MaxAgeDays > 0)
        {
            var cutoff = RigTime.FromDateTimeOffset(now - TimeSpan.FromDays(profile.MaxAgeDays));
            foreach (var s in finished.Where(s => (s.Record.Session.Stop ?? s.Record.Session.Start) < cutoff))
                Remove(s);
        }
        if (profile.MaxTotalGiB > 0)
        {
            long limit = (long)(profile.MaxTotalGiB * 1024 * 1024 * 1024);
            foreach (var s in finished)
            {
                if (total <= limit) break;
                Remove(s);
            }
        }
        return new RetentionPlan(delete, kept, total);
    }
}

/// <summary>Applies the retention policy to a store: deletes what the plan says and reports it.</summary>
public sealed class RetentionRunner(ISessionCatalogue store, RetentionProfile profile, TimeProvider time)
{
    public RetentionPlan RunOnce()
    {
        var sessions = store.ListSessions().Select(r => (r, store.SessionDiskBytes(r.Session.Id))).ToList();
        var plan = RetentionPolicy.Plan(sessions, profile, time.GetUtcNow());
        foreach (var id in plan.Delete)
            store.DeleteSession(id);
        return plan;
    }
}
