using EdgeRig.Storage.Durability;

namespace EdgeRig.Storage.Tests;

public sealed class RecordLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "edgerig-log-" + Guid.NewGuid().ToString("N") + ".journal");

    public void Dispose() => File.Delete(_path);

    private void Write(params string[] records)
    {
        var (log, _) = RecordLog.Open(_path);
        using (log)
            foreach (var r in records) log.Append(System.Text.Encoding.UTF8.GetBytes(r), sync: true);
    }

    private static string[] Texts(LogContents c) => c.Records.Select(r => System.Text.Encoding.UTF8.GetString(r)).ToArray();

    [Fact]
    public void Open_TornLastRecord_IsCutAndAppendsContinueAfterTheLastWholeOne()
    {
        Write("first", "second");
        long whole = new FileInfo(_path).Length;
        File.AppendAllText(_path, "ERJ1\u0040\0\0\0torn"); // a header promising 64 bytes, then a power cut
        var (log, contents) = RecordLog.Open(_path);
        using (log)
        {
            Assert.Equal(["first", "second"], Texts(contents));
            Assert.Equal(whole, new FileInfo(_path).Length);
            log.Append("third"u8, sync: true);
        }
        Assert.Equal(["first", "second", "third"], Texts(RecordLog.Read(_path)));
    }

    [Fact]
    public void Read_DamagedRecordInTheMiddle_IsSkippedAndNamed_TheRestRead()
    {
        Write("alpha", "bravo-bravo-bravo", "charlie");
        var bytes = File.ReadAllBytes(_path);
        int second = RecordLog.FrameHeaderSize + "alpha".Length;
        bytes[second + RecordLog.FrameHeaderSize + 3] ^= 0xFF;
        File.WriteAllBytes(_path, bytes);
        var contents = RecordLog.Read(_path);
        Assert.Equal(["alpha", "charlie"], Texts(contents));
        var (from, to) = Assert.Single(contents.Damaged);
        Assert.Equal(second, from);
        Assert.Equal(second + RecordLog.FrameHeaderSize + "bravo-bravo-bravo".Length, to);
    }
}

public sealed class LiteDbEnginesTests
{
    [Fact]
    public void Transactions_OfThisLiteDbVersion_AreFoundToKeepThemFromFinalizing()
    {
        using var db = new LiteDB.LiteDatabase(new MemoryStream());
        db.BeginTrans();
        db.GetCollection("c").Insert(new LiteDB.BsonDocument { ["x"] = 1 });
        var transactions = LiteDbEngines.Transactions(db);
        Assert.NotNull(transactions);
        Assert.Single(transactions.Values.Cast<object>());
        db.Rollback();
    }
}
