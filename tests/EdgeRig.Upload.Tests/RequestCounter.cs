using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3.Model;

namespace EdgeRig.Upload.Tests;

/// <summary>Counts the HTTP requests an S3 client sends, by request type (PutObjectRequest, UploadPartRequest, …), from the SDK's own events.</summary>
internal sealed class RequestCounter
{
    private readonly ConcurrentDictionary<string, int> counts = new();
    private readonly ConcurrentQueue<string> writes = new();

    public RequestCounter(AmazonServiceClient client) => client.BeforeRequestEvent += (_, e) =>
    {
        if (e is not WebServiceRequestEventArgs w) return;
        counts.AddOrUpdate(w.Request.GetType().Name, 1, (_, n) => n + 1);
        if (w.Request is PutObjectRequest put) writes.Enqueue("PUT " + put.Key);
        else if (w.Request is DeleteObjectRequest delete) writes.Enqueue("DELETE " + delete.Key);
        else if (w.Request is CompleteMultipartUploadRequest complete) writes.Enqueue("COMPLETE " + complete.Key);
    };

    /// <summary>Whole-object PUTs, multipart completions and DELETEs in the order they were sent, as "PUT key", "COMPLETE key", "DELETE key".</summary>
    public IReadOnlyList<string> WriteLog => [.. writes];

    public int this[string requestType] => counts.GetValueOrDefault(requestType);

    /// <summary>Requests that write: whole objects, parts, multipart starts and completions, deletes.</summary>
    public int Writes => this["PutObjectRequest"] + this["UploadPartRequest"] + this["InitiateMultipartUploadRequest"]
        + this["CompleteMultipartUploadRequest"] + this["DeleteObjectRequest"];
}
