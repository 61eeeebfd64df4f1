using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

/// <summary>The fixed-length paths allocate nothing once their words are cached.</summary>
public sealed class TokenizerAllocationTests
{
    private const string LongPrompt =
        "An ultra detailed cinematic photograph of an ancient library carved into the side of a mountain at dusk, " +
        "thousands of leather bound books stacked on towering wooden shelves, warm lantern light spilling across marble " +
        "floors, a lone scholar in a red cloak reading at a heavy oak desk, dust motes floating in shafts of golden light, " +
        "Café crème, naïve façade — “smart quotes” 一只猫 🐶 ΟΔΥΣΣΕΥΣ\tand\r\nnewlines";

    [Fact]
    public void Clip_EncodeTo_allocates_nothing_when_warm()
    {
        var tokenizer = TokenizerTestData.Clip;
        var ids = new int[77];
        tokenizer.EncodeTo(LongPrompt, ids);
        tokenizer.EncodeTo(LongPrompt, ids);
        _ = GC.GetAllocatedBytesForCurrentThread();   // its first call may allocate
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            tokenizer.EncodeTo(LongPrompt, ids);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void T5_EncodeTo_allocates_nothing_when_warm()
    {
        var tokenizer = TokenizerTestData.T5;
        var ids = new int[512];
        tokenizer.EncodeTo(LongPrompt, ids);
        tokenizer.EncodeTo(LongPrompt, ids);
        _ = GC.GetAllocatedBytesForCurrentThread();   // its first call may allocate
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            tokenizer.EncodeTo(LongPrompt, ids);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_full_word_cache_costs_no_allocation()
    {
        var tokenizer = ClipBpeTokenizer.FromFolder(Path.Combine(TokenizerTestData.TokenizersRoot, "clip-l"));
        var ids = new int[77];
        for (var i = 0; i < TokenCache.DefaultCapacity + 10; i++)
        {
            tokenizer.EncodeTo(LetterWord(i), ids);
        }

        Assert.Equal(TokenCache.DefaultCapacity, tokenizer.CachedWords);
        const string uncached = "zzqx qqzy wwvq";
        tokenizer.EncodeTo(uncached, ids);
        _ = GC.GetAllocatedBytesForCurrentThread();
        var before = GC.GetAllocatedBytesForCurrentThread();
        tokenizer.EncodeTo(uncached, ids);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static string LetterWord(int i)
    {
        var word = "q";
        for (; i > 0; i /= 26)
        {
            word += (char)('a' + i % 26);
        }

        return word;
    }

    [Fact]
    public void Word_cache_stops_growing_at_its_capacity()
    {
        var cache = new TokenCache(capacity: 3);
        foreach (var word in new[] { "a", "b", "c", "d", "a" })
        {
            cache.Add(word, [(int)word[0]]);
        }

        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryGet("c", out var ids));
        Assert.Equal([(int)'c'], ids);
        Assert.False(cache.TryGet("d", out _));
    }
}
