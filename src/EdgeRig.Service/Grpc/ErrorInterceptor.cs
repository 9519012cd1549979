using EdgeRig.Core;
using global::Grpc.Core;
using global::Grpc.Core.Interceptors;

namespace EdgeRig.Service.Grpc;

/// <summary>Turns domain exceptions into status codes with messages that name what was wrong; logs the rest.</summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception e) when (e is not RpcException) { throw Translate(e, context); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception e) when (e is not RpcException) { throw Translate(e, context); }
    }

    /// <summary>Longest status message sent: messages may echo client input, and a huge trailer breaks the client's connection.</summary>
    public const int MaxDetailLength = 1000;

    public static string Bounded(string message) =>
        message.Length <= MaxDetailLength ? message : message[..(MaxDetailLength - 40)] + $"… ({message.Length} characters in all)";

    private RpcException Translate(Exception e, ServerCallContext context)
    {
        string message = Bounded(e.Message);
        var status = e switch
        {
            SessionNotFoundException or NotFoundException => new Status(StatusCode.NotFound, message),
            InvalidRigStateException => new Status(StatusCode.FailedPrecondition, message),
            ArgumentException => new Status(StatusCode.InvalidArgument, message),
            CorruptChunkException => new Status(StatusCode.DataLoss, message),
            StorageFullException => new Status(StatusCode.ResourceExhausted, message),
            // a feature whose native library is not installed: say which library and how to get it, never "internal error"
            _ when NativeLibraries.UnavailableReason(e) is { } missing => new Status(StatusCode.FailedPrecondition, Bounded(missing)),
            OperationCanceledException when context.CancellationToken.IsCancellationRequested => new Status(StatusCode.Cancelled, "the call was cancelled"),
            _ => new Status(StatusCode.Internal, $"internal error: {e.GetType().Name}"),
        };
        if (status.StatusCode == StatusCode.Internal)
            logger.LogError(e, "{Method} failed", context.Method);
        else
            logger.LogInformation("{Method}: {Code}: {Message}", context.Method, status.StatusCode, status.Detail);
        return new RpcException(status);
    }
}
