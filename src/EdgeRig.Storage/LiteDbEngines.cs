using System.Collections;
using System.Reflection;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>
/// Closing a LiteDB engine that failed a write. LiteDB 5 leaves the failed transaction behind, and its finalizer throws
/// ("discarded page must be writable") on the finalizer thread, which ends the process. So the engine's transactions are
/// kept from finalizing (their pages belong to an engine that is gone) before it is disposed.
/// </summary>
internal static class LiteDbEngines
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    public static void Retire(LiteDatabase db)
    {
        if (Transactions(db) is { } transactions)
            foreach (var transaction in transactions.Values) GC.SuppressFinalize(transaction);
        try { db.Dispose(); }
        catch (Exception e) when (e is not OutOfMemoryException) { /* the engine is already broken */ }
    }

    /// <summary>The engine's open transactions (LiteDB 5's internals: a test checks they are still where this looks).</summary>
    internal static IDictionary? Transactions(LiteDatabase db)
    {
        try
        {
            object? engine = db.GetType().GetField("_engine", Instance)?.GetValue(db);
            object? monitor = engine?.GetType().GetField("_monitor", Instance)?.GetValue(engine);
            return monitor?.GetType().GetField("_transactions", Instance)?.GetValue(monitor) as IDictionary;
        }
        catch (Exception e) when (e is FieldAccessException or TargetException or InvalidOperationException)
        {
            return null;
        }
    }
}
