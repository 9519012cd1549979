namespace EdgeRig.Storage.Tests;

public sealed class ChunkBufferPoolTests
{
    [Fact]
    public void Rent_AfterReturn_LendsTheSameArray_WhenItFits()
    {
        var pool = new ChunkBufferPool(keep: 2);
        var first = pool.Rent(1_500_000);
        Assert.Equal(6 * ChunkBufferPool.Granularity, first.Length); // rounded up, not to a power of two
        pool.Return(first);
        var second = pool.Rent(1_400_000);
        Assert.Same(first, second);
        var third = pool.Rent(1_600_000); // the one it holds is lent out: a new array
        Assert.NotSame(first, third);
    }

    [Fact]
    public void Rent_LendsTheSmallestArrayThatFits()
    {
        var pool = new ChunkBufferPool(keep: 2);
        byte[] large = pool.Rent(4_000_000), small = pool.Rent(1_000_000);
        pool.Return(large);
        pool.Return(small);
        Assert.Same(small, pool.Rent(900_000));
        Assert.Same(large, pool.Rent(900_000));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(200)]
    public void Return_KeepsAtMostKeepArrays_TheLargest(int readers)
    {
        var pool = new ChunkBufferPool(keep: 2);
        var lent = Enumerable.Range(1, readers).Select(i => pool.Rent(i * 100_000)).ToList();
        foreach (var a in lent) pool.Return(a);
        var kept = lent.OrderByDescending(a => a.Length).Take(2).Sum(a => (long)a.Length);
        Assert.Equal(kept, pool.HeldBytes);
    }

    [Fact]
    public void Return_SameArrayTwice_IsRefused()
    {
        var pool = new ChunkBufferPool(keep: 2);
        var a = pool.Rent(10);
        pool.Return(a);
        var e = Assert.Throws<InvalidOperationException>(() => pool.Return(a));
        Assert.Contains("twice", e.Message);
    }

    [Fact]
    public void Rent_NegativeLength_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkBufferPool(keep: 1).Rent(-1));
}
