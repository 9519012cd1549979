using EdgeRig.Core;
using EdgeRig.Service.Grpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Service.Tests;

public class ErrorInterceptorTests
{
    public static TheoryData<Exception, StatusCode> Cases => new()
    {
        { new SessionNotFoundException("abc"), StatusCode.NotFound },
        { new InvalidRigStateException("no session is recording"), StatusCode.FailedPrecondition },
        { new ArgumentException("label must not be empty"), StatusCode.InvalidArgument },
        { new CorruptChunkException("chunk cam0/3: CRC32C 1 does not match 2"), StatusCode.DataLoss },
        { new NullReferenceException("secret detail"), StatusCode.Internal },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Unary_DomainException_BecomesStatusCode(Exception thrown, StatusCode expected)
    {
        var interceptor = new ErrorInterceptor(NullLogger<ErrorInterceptor>.Instance);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            interceptor.UnaryServerHandler<string, string>("req", new TestServerCallContext("/edgerig.v1.Test/Call"), (_, _) => throw thrown));
        Assert.Equal(expected, e.StatusCode);
        if (expected == StatusCode.Internal) Assert.DoesNotContain("secret detail", e.Status.Detail);
        else Assert.Equal(thrown.Message, e.Status.Detail);
    }

    [Fact]
    public async Task Unary_RpcException_PassesThroughUnchanged()
    {
        var interceptor = new ErrorInterceptor(NullLogger<ErrorInterceptor>.Instance);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            interceptor.UnaryServerHandler<string, string>("req", new TestServerCallContext("/edgerig.v1.Test/Call"), (_, _) => throw new RpcException(new Status(StatusCode.Unauthenticated, "who?"))));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }
}
