using Parquet;
using Parquet.Schema;

namespace EdgeRig.Export.Tests.Dataset;

/// <summary>Reads Parquet columns back with Parquet.Net's own reader, independently of the exporter's writer code.</summary>
internal static class ParquetColumns
{
    public static async Task<long> RowsAsync(string file)
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        long rows = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            rows += group.RowCount;
        }
        return rows;
    }

    public static async Task<string[]> NamesAsync(string file)
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        return reader.Schema.GetDataFields().Select(f => f.Name).ToArray();
    }

    /// <summary>
    /// Each column's type as the file's own schema elements state it (physical type, STRING logical or UTF8 converted type,
    /// repetition), named as Arrow does: int32, int64, float32, float64, bool, string, binary. Not through Parquet.Net's CLR types.
    /// </summary>
    public static async Task<Dictionary<string, (string Type, bool Nullable)>> FileTypesAsync(string file)
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        return reader.Metadata!.Schema.Skip(1).ToDictionary(e => e.Name, e => (e.Type switch
        {
            Parquet.Meta.Type.INT32 => "int32",
            Parquet.Meta.Type.INT64 => "int64",
            Parquet.Meta.Type.FLOAT => "float32",
            Parquet.Meta.Type.DOUBLE => "float64",
            Parquet.Meta.Type.BOOLEAN => "bool",
            Parquet.Meta.Type.BYTE_ARRAY when e.LogicalType?.STRING is not null || e.ConvertedType == Parquet.Meta.ConvertedType.UTF8 => "string",
            Parquet.Meta.Type.BYTE_ARRAY => "binary",
            var other => $"unexpected {other}",
        }, e.RepetitionType == Parquet.Meta.FieldRepetitionType.OPTIONAL));
    }

    public static Task<T[]> ReadAsync<T>(string file, string column) where T : struct =>
        ReadWith<T>(file, column, (g, f, n) => { var a = new T[n]; return (g.ReadAsync<T>(f, a, null, default), a); });

    public static Task<T?[]> ReadNullableAsync<T>(string file, string column) where T : struct =>
        ReadWith<T?>(file, column, (g, f, n) => { var a = new T?[n]; return (g.ReadAsync<T>(f, a.AsMemory(), null, default), a); });

    public static Task<string?[]> ReadStringsAsync(string file, string column) =>
        ReadWith<string?>(file, column, (g, f, n) => { var a = new string?[n]; return (g.ReadAsync(f, a.AsMemory(), null, default), a); });

    public static Task<byte[]?[]> ReadBytesAsync(string file, string column) =>
        ReadWith<byte[]?>(file, column, (g, f, n) => { var a = new byte[]?[n]; return (g.ReadAsync(f, a.AsMemory(), null, default), a); });

    private static async Task<T[]> ReadWith<T>(string file, string column, Func<ParquetRowGroupReader, DataField, int, (ValueTask Read, T[] Values)> read)
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        var field = reader.Schema.GetDataFields().SingleOrDefault(f => f.Name == column)
            ?? throw new KeyNotFoundException($"{file} has no column {column}: {string.Join(", ", reader.Schema.GetDataFields().Select(f => f.Name))}");
        var all = new List<T>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var (task, values) = read(group, field, (int)group.RowCount);
            await task;
            all.AddRange(values);
        }
        return all.ToArray();
    }
}
