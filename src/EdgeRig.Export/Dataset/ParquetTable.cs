using Parquet;
using Parquet.Schema;

namespace EdgeRig.Export.Dataset;

/// <summary>A table held as columns, written as one Parquet file (zstd, row groups of <see cref="RowGroupRows"/>): same columns, same bytes.</summary>
internal sealed class ParquetTable(string name)
{
    public const int RowGroupRows = 65_536;

    private readonly List<ParquetColumn> _columns = [];

    /// <summary>The table's path inside the dataset folder, e.g. "streams/imu0.parquet".</summary>
    public string Name { get; } = name;

    public int Rows => _columns.Count == 0 ? 0 : _columns[0].Count;

    public IReadOnlyList<ParquetColumn> Columns => _columns;

    public ParquetTable Add<T>(string column, T[] values, string unit = "") where T : struct => Add(new ValueColumn<T>(column, unit, values));

    public ParquetTable AddNullable<T>(string column, T?[] values, string unit = "") where T : struct => Add(new NullableColumn<T>(column, unit, values));

    public ParquetTable AddStrings(string column, string?[] values) => Add(new ReferenceColumn<string>(column, "", values));

    public ParquetTable AddBytes(string column, byte[][] values, string unit = "") => Add(new ReferenceColumn<byte[]>(column, unit, values));

    private ParquetTable Add(ParquetColumn column)
    {
        if (_columns.Count > 0 && column.Count != Rows)
            throw new InvalidOperationException($"{Name}: column {column.Name} has {column.Count} rows, the table {Rows}");
        _columns.Add(column);
        return this;
    }

    public async Task WriteAsync(string folder, CancellationToken ct)
    {
        string path = Path.Combine(folder, Name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var schema = new ParquetSchema(_columns.Select(c => (Field)c.Field));
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, file, new ParquetOptions { CompressionMethod = CompressionMethod.Zstd }, false, ct);
        for (int start = 0; start == 0 || start < Rows; start += RowGroupRows)
        {
            int length = Math.Min(RowGroupRows, Rows - start);
            using var group = writer.CreateRowGroup();
            foreach (var c in _columns) await c.WriteAsync(group, start, length, ct);
        }
    }
}

/// <summary>One column of a <see cref="ParquetTable"/>: its Parquet field, unit and values.</summary>
internal abstract record ParquetColumn(string Name, string Unit)
{
    public abstract DataField Field { get; }

    /// <summary>
    /// The column's type by its Parquet/Arrow logical name (pyarrow's pa.int64(), pa.float32(), pa.bool_(), pa.string(),
    /// pa.binary()), for metadata.json: never the .NET type Parquet.Net happens to hold it in.
    /// </summary>
    public abstract string TypeName { get; }

    public abstract int Count { get; }

    /// <exception cref="NotSupportedException">a type the dataset has no name for (add it here before writing it).</exception>
    protected static string TypeNameOf(Type t) =>
        t == typeof(long) ? "int64" : t == typeof(int) ? "int32" : t == typeof(short) ? "int16" : t == typeof(sbyte) ? "int8"
        : t == typeof(ulong) ? "uint64" : t == typeof(uint) ? "uint32" : t == typeof(ushort) ? "uint16" : t == typeof(byte) ? "uint8"
        : t == typeof(float) ? "float32" : t == typeof(double) ? "float64" : t == typeof(bool) ? "bool"
        : t == typeof(string) ? "string" : t == typeof(byte[]) ? "binary"
        : throw new NotSupportedException($"dataset column type {t.Name} has no Parquet/Arrow name");

    public abstract Task WriteAsync(ParquetRowGroupWriter group, int start, int length, CancellationToken ct);
}

internal sealed record ValueColumn<T>(string Name, string Unit, T[] Values) : ParquetColumn(Name, Unit) where T : struct
{
    public override DataField Field { get; } = new DataField<T>(Name);

    public override string TypeName { get; } = TypeNameOf(typeof(T));

    public override int Count => Values.Length;

    public override Task WriteAsync(ParquetRowGroupWriter group, int start, int length, CancellationToken ct) =>
        group.WriteAsync<T>(Field, Values.AsMemory(start, length), null, null, ct);
}

internal sealed record NullableColumn<T>(string Name, string Unit, T?[] Values) : ParquetColumn(Name, Unit) where T : struct
{
    public override DataField Field { get; } = new DataField<T?>(Name);

    public override string TypeName { get; } = TypeNameOf(typeof(T));

    public override int Count => Values.Length;

    public override Task WriteAsync(ParquetRowGroupWriter group, int start, int length, CancellationToken ct) =>
        group.WriteAsync<T>(Field, Values.AsMemory(start, length), null, null, ct);
}

internal sealed record ReferenceColumn<T>(string Name, string Unit, T?[] Values) : ParquetColumn(Name, Unit) where T : class
{
    public override DataField Field { get; } = new DataField<T>(Name, nullable: Values.Any(v => v is null));

    public override string TypeName { get; } = TypeNameOf(typeof(T));

    public override int Count => Values.Length;

    public override Task WriteAsync(ParquetRowGroupWriter group, int start, int length, CancellationToken ct) => Values switch
    {
        string?[] s => group.WriteAsync(Field, new ArraySegment<string>(s!, start, length), null),
        byte[]?[] b => group.WriteAsync(Field, new ArraySegment<byte[]>(b!, start, length), null),
        _ => throw new NotSupportedException(typeof(T).Name),
    };
}
