namespace EdgeRig.Export;

/// <summary>
/// Blocking waits for the export's pipeline tasks that sleep in the kernel at once. Task.Wait and GetResult spin first, and on
/// a small, busy board a spinning exporter thread takes the core from the very reader or compressor it waits for.
/// </summary>
internal static class TaskWaits
{
    /// <summary>Waits for <paramref name="task"/> without spinning, then returns its result or rethrows its exception.</summary>
    public static T WaitWithoutSpinning<T>(Task<T> task)
    {
        Park(task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Waits for <paramref name="task"/> without spinning, then rethrows its exception if it failed.</summary>
    public static void WaitWithoutSpinning(Task task)
    {
        Park(task);
        task.GetAwaiter().GetResult();
    }

    private static void Park(Task task)
    {
        if (!task.IsCompleted)
        {
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
        }
    }
}
