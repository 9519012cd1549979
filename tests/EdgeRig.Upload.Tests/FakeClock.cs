namespace EdgeRig.Upload.Tests;

/// <summary>
/// Runs a fake-clock test body off xunit's synchronization context, so the continuations a
/// <c>FakeTimeProvider.Advance</c> releases run inline, before Advance returns: every check after an Advance sees exactly
/// what that much time allows, with no race against the thread pool.
/// </summary>
internal static class FakeClock
{
    public static Task RunInline(Func<Task> body) => Task.Run(body);
}
