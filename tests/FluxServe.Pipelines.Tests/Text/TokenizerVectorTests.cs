using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

/// <summary>
/// Random prompts beyond the fixtures (Data/make_vectors.py): ids from HF <c>tokenizers</c> 0.22.2 itself for the
/// default behaviour, and from a Python restatement of the slow CLIPTokenizer for ComfyUI's.
/// </summary>
public sealed class TokenizerVectorTests
{
    [Fact]
    public void Clip_matches_hf_tokenizers_on_random_prompts()
    {
        var tokenizer = TokenizerTestData.Clip;
        var count = 0;
        foreach (var (text, ids) in TokenizerTestData.JsonLines("hf-clip-vectors.jsonl"))
        {
            Assert.True(ids.AsSpan().SequenceEqual(tokenizer.EncodeUnpadded(text)), $"prompt {Escape(text)}");
            count++;
        }

        Assert.True(count >= 100, $"only {count} vectors");
    }

    [Fact]
    public void T5_matches_hf_tokenizers_on_random_prompts()
    {
        var tokenizer = TokenizerTestData.T5;
        var count = 0;
        foreach (var (text, ids) in TokenizerTestData.JsonLines("hf-t5-vectors.jsonl"))
        {
            Assert.True(ids.AsSpan().SequenceEqual(tokenizer.EncodeUnpadded(text)), $"prompt {Escape(text)}");
            count++;
        }

        Assert.True(count >= 100, $"only {count} vectors");
    }

    [Fact]
    public void Clip_ComfyUi_matches_the_slow_tokenizer_on_random_prompts()
    {
        var tokenizer = TokenizerTestData.ClipComfyUi;
        var count = 0;
        foreach (var (text, ids) in TokenizerTestData.JsonLines("comfyui-clip-vectors.jsonl"))
        {
            Assert.True(ids.AsSpan().SequenceEqual(tokenizer.EncodeUnpadded(text)), $"prompt {Escape(text)}");
            count++;
        }

        Assert.True(count >= 100, $"only {count} vectors");
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < (char)0x7F ? c.ToString() : $"\\u{(int)c:X4}"));
}
