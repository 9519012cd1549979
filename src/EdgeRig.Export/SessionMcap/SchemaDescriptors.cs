using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EdgeRig.Export.SessionMcap;

/// <summary>Protobuf schemas as MCAP stores them: a FileDescriptorSet of the message's file and every file it imports.</summary>
internal static class SchemaDescriptors
{
    public const string Encoding = "protobuf";

    /// <summary>The serialized FileDescriptorSet for a message type, dependencies before dependents (as protoc emits them).</summary>
    public static byte[] FileDescriptorSet(MessageDescriptor message)
    {
        var set = new FileDescriptorSet();
        var added = new HashSet<string>(StringComparer.Ordinal);
        Add(message.File, set, added);
        return set.ToByteArray();
    }

    private static void Add(FileDescriptor file, FileDescriptorSet set, HashSet<string> added)
    {
        if (!added.Add(file.Name)) return;
        foreach (var dependency in file.Dependencies) Add(dependency, set, added);
        set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
    }
}
