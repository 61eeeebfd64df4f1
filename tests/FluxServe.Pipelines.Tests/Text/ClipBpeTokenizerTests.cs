using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

public sealed class ClipBpeTokenizerTests
{
    private static ClipBpeTokenizer Fast => TokenizerTestData.Clip;

    private static ClipBpeTokenizer Comfy => TokenizerTestData.ClipComfyUi;

    [Fact]
    public void Spec_example_a_photo_of_a_cat()
    {
        // spec text-encoders §1.2 step 6.
        var ids = Fast.Encode("a photo of a cat");
        Assert.Equal([49406, 320, 1125, 539, 320, 2368, 49407], ids[..7]);
        Assert.All(ids[7..], id => Assert.Equal(49407, id));
        Assert.Equal(77, ids.Length);
        Assert.Equal(49408, Fast.VocabularySize);
    }

    [Fact]
    public void Empty_prompt_is_bos_then_eos_padding()
    {
        var ids = Fast.Encode("");
        Assert.Equal(49406, ids[0]);
        Assert.All(ids[1..], id => Assert.Equal(49407, id));
        Assert.Equal([49406, 49407], Fast.EncodeUnpadded("   \t\n"));
    }

    [Theory]
    [InlineData("tab\there bell\u0007char", "tab here bellchar")]                  // control characters dropped
    [InlineData("zero\u200Bwidth \U0001F469\u200D\U0001F680", "zerowidth \U0001F469\U0001F680")]   // format characters dropped
    [InlineData("一只猫 and 日本", "一 只 猫 and 日 本")]                               // every CJK ideograph is a word
    [InlineData("ΟΔΥΣΣΕΥΣ ΑΣ. Σ", "οδυσσευς ας. σ")]                                 // Python final sigma
    [InlineData("a <|ENDOFTEXT|> b <|StartOfText|>", "a <|endoftext|> b <|startoftext|>")]   // literals after lower-casing
    [InlineData("a\u0345b", "a b")]                                                    // U+0345 matches no alternative
    [InlineData("cafe\u0301 NAI\u0308VE", "café naïve")]                              // NFC + lower
    public void ComfyUi_cleans_like_the_slow_tokenizer(string prompt, string cleaned)
    {
        // The slow path equals the fast path run on the text the slow tokenizer's clean-up produces.
        Assert.Equal(Fast.EncodeUnpadded(cleaned), Comfy.EncodeUnpadded(prompt));
    }

    [Fact]
    public void Fast_keeps_control_format_and_cjk_runs_as_symbols()
    {
        Assert.NotEqual(Fast.EncodeUnpadded("tab here bellchar"), Fast.EncodeUnpadded("tab\there bell\u0007char"));
        Assert.NotEqual(Fast.EncodeUnpadded("一 只 猫"), Fast.EncodeUnpadded("一只猫"));
        // ...but for ordinary prompts both normalisations agree.
        foreach (var c in TokenizerTestData.Cases("tokenizer-clip").Where(c => c.Text.All(ch => ch < 0x80 && !char.IsControl(ch) || ch is '\t' or '\n' or '\r')))
        {
            Assert.Equal(Fast.EncodeUnpadded(c.Text), Comfy.EncodeUnpadded(c.Text));
        }
    }

    [Fact]
    public void Special_token_literals_are_single_ids_in_both_modes()
    {
        foreach (var tokenizer in new[] { Fast, Comfy })
        {
            var ids = tokenizer.EncodeContent("x<|startoftext|>y<|endoftext|>z");
            Assert.Equal(5, ids.Length);
            Assert.Equal(49406, ids[1]);
            Assert.Equal(49407, ids[3]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(74)]
    [InlineData(75)]
    [InlineData(76)]
    [InlineData(150)]
    [InlineData(151)]
    [InlineData(400)]
    public void Truncation_and_chunks_follow_the_content(int cats)
    {
        var text = string.Join(' ', Enumerable.Repeat("cat", cats));
        var content = Fast.EncodeContent(text);
        Assert.Equal(cats, content.Length);   // "cat" is one token

        var ids = Fast.Encode(text);
        var kept = Math.Min(75, cats);
        Assert.Equal(content[..kept], ids[1..(kept + 1)]);
        Assert.Equal(49407, ids[kept + 1]);

        var chunks = Fast.EncodeChunks(text);
        Assert.Equal(Math.Max(1, (cats + 74) / 75), chunks.Length);
        var joined = new List<int>();
        foreach (var chunk in chunks)
        {
            Assert.Equal(77, chunk.Length);
            Assert.Equal(49406, chunk[0]);
            var end = Array.IndexOf(chunk, 49407);
            joined.AddRange(chunk[1..end]);
            Assert.All(chunk[end..], id => Assert.Equal(49407, id));
        }

        Assert.Equal(content, joined);
        Assert.Equal(ids, chunks[0]);
    }

    [Fact]
    public void Other_context_lengths()
    {
        var ids = Fast.Encode("a photo of a cat", 4);
        Assert.Equal([49406, 320, 1125, 49407], ids);
        Assert.Throws<ArgumentOutOfRangeException>(() => Fast.Encode("a", 1));
    }

    [Fact]
    public void Lone_surrogates_encode_as_the_replacement_character()
    {
        Assert.Equal(Fast.EncodeUnpadded("a \uFFFD b"), Fast.EncodeUnpadded("a \uD800 b"));
    }

    [Fact]
    public void Parallel_calls_agree_with_sequential_ones()
    {
        var prompts = TokenizerTestData.JsonLines("hf-clip-vectors.jsonl").Select(v => v.Text).ToArray();
        var fresh = ClipBpeTokenizer.FromFolder(Path.Combine(TokenizerTestData.TokenizersRoot, "clip-l"));
        var parallel = new int[prompts.Length][];
        Parallel.For(0, prompts.Length * 4, i => parallel[i % prompts.Length] = fresh.Encode(prompts[i % prompts.Length]));
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(Fast.Encode(prompts[i]), parallel[i]);
        }

        Assert.InRange(fresh.CachedWords, 1, 10_000);
    }

    [Fact]
    public void FromFolder_explains_missing_files()
    {
        var folder = Directory.CreateTempSubdirectory("fluxserve-tok-");
        try
        {
            File.Copy(Path.Combine(TokenizerTestData.TokenizersRoot, "clip-l", "vocab.json"), Path.Combine(folder.FullName, "vocab.json"));
            var e = Assert.Throws<FileNotFoundException>(() => ClipBpeTokenizer.FromFolder(folder.FullName));
            Assert.Contains("merges.txt", e.Message, StringComparison.Ordinal);
            Assert.Throws<DirectoryNotFoundException>(() => ClipBpeTokenizer.FromFolder(Path.Combine(folder.FullName, "absent")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
