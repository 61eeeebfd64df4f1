using System.Text.Json;
using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

public sealed class T5UnigramTokenizerTests
{
    private static T5UnigramTokenizer T5 => TokenizerTestData.T5;

    [Fact]
    public void Spec_examples()
    {
        // spec text-encoders §2.3: HF's documented "Hello world" and the spec's "a photo of a cat".
        Assert.Equal([8774, 296, 1], T5.EncodeUnpadded("Hello world"));
        Assert.Equal([3, 9, 1202, 13, 3, 9, 1712, 1], T5.EncodeUnpadded("a photo of a cat"));
        Assert.Equal((0, 1, 2, 32100), (T5.PadId, T5.EosId, T5.UnkId, T5.VocabularySize));
    }

    [Fact]
    public void Empty_prompt_per_pipeline()
    {
        // spec §3: ComfyUI's empty prompt is [1, 0 × 255].
        var comfy = T5.Encode("", T5LengthPolicy.ComfyUi);
        Assert.Equal(256, comfy.Length);
        Assert.Equal(1, comfy[0]);
        Assert.All(comfy[1..], id => Assert.Equal(0, id));
        Assert.Equal(512, T5.Encode("", T5LengthPolicy.BflDev).Length);
        Assert.Equal([1], T5.EncodeUnpadded("  \n "));
    }

    [Fact]
    public void Length_policies()
    {
        var text = string.Join(' ', Enumerable.Repeat("cat", 600));
        var unpadded = T5.EncodeUnpadded(text);
        Assert.Equal(601, unpadded.Length);   // "▁cat" is one piece
        foreach (var (policy, length) in new[] { (T5LengthPolicy.BflSchnell, 256), (T5LengthPolicy.BflDev, 512), (T5LengthPolicy.Diffusers(300), 300), (T5LengthPolicy.ComfyUi, 601), (T5LengthPolicy.Unpadded, 601) })
        {
            var ids = T5.Encode(text, policy);
            Assert.Equal(length, ids.Length);
            Assert.Equal(unpadded[..(length - 1)], ids[..(length - 1)]);
            Assert.Equal(1, ids[^1]);
        }

        Assert.Equal(new T5LengthPolicy(0, 1).LengthFor(10), T5.Encode(text, new T5LengthPolicy(0, 1)).Length);
        Assert.Equal([1], T5.Encode(text, new T5LengthPolicy(0, 1)));
    }

    [Fact]
    public void Special_tokens_split_the_raw_text()
    {
        // "of </s>": the segment before the token is right-stripped, so no ▁ piece is left over (fixture note).
        var ids = T5.EncodeContent("a photo of </s> and <pad><unk> <extra_id_0>x");
        Assert.Contains(1, ids);
        Assert.Contains(32099, ids);
        Assert.Equal(T5.EncodeContent("of"), T5.EncodeContent("of </s>")[..^1]);
        // Only the segment at offset 0 gets a ▁ prepended ("first" scheme).
        Assert.Equal([1, 9], T5.EncodeContent("</s>a"));
    }

    [Fact]
    public void Lone_surrogates_encode_as_the_replacement_character()
    {
        Assert.Equal(T5.EncodeUnpadded("a \uFFFD b"), T5.EncodeUnpadded("a \uDC00 b"));
    }

    [Fact]
    public void FromFolder_requires_tokenizer_json()
    {
        var folder = Directory.CreateTempSubdirectory("fluxserve-tok-");
        try
        {
            File.WriteAllBytes(Path.Combine(folder.FullName, "spiece.model"), [0x0A, 0x00]);
            var e = Assert.Throws<NotSupportedException>(() => T5UnigramTokenizer.FromFolder(folder.FullName));
            Assert.Contains("tokenizer.json", e.Message, StringComparison.Ordinal);
            File.Delete(Path.Combine(folder.FullName, "spiece.model"));
            Assert.Throws<FileNotFoundException>(() => T5UnigramTokenizer.FromFolder(folder.FullName));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Unsupported_tokenizer_json_is_refused_with_the_component_named()
    {
        var source = File.ReadAllText(Path.Combine(TokenizerTestData.TokenizersRoot, "t5", "tokenizer.json"));
        var file = Path.GetTempFileName();
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(source)!;
            json["pre_tokenizer"] = System.Text.Json.Nodes.JsonNode.Parse("""{"type":"WhitespaceSplit"}""");
            File.WriteAllText(file, json.ToJsonString());
            var e = Assert.Throws<NotSupportedException>(() => T5UnigramTokenizer.FromTokenizerJson(file));
            Assert.Contains("Metaspace", e.Message, StringComparison.Ordinal);

            json = System.Text.Json.Nodes.JsonNode.Parse(source)!;
            json["model"]!["type"] = "BPE";
            File.WriteAllText(file, json.ToJsonString());
            Assert.Throws<NotSupportedException>(() => T5UnigramTokenizer.FromTokenizerJson(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Parallel_calls_agree_with_sequential_ones()
    {
        var prompts = TokenizerTestData.JsonLines("hf-t5-vectors.jsonl").Select(v => v.Text).ToArray();
        var fresh = T5UnigramTokenizer.FromFolder(Path.Combine(TokenizerTestData.TokenizersRoot, "t5"));
        var parallel = new int[prompts.Length][];
        Parallel.For(0, prompts.Length * 4, i => parallel[i % prompts.Length] = fresh.Encode(prompts[i % prompts.Length], T5LengthPolicy.BflSchnell));
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(T5.Encode(prompts[i], T5LengthPolicy.BflSchnell), parallel[i]);
        }
    }

    [Fact]
    public void Vocabulary_scores_come_from_the_json()
    {
        // The unknown-character score the spec derives: lowest score − 10 = −23.590115547180176.
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TokenizerTestData.TokenizersRoot, "t5", "tokenizer.json")));
        var min = document.RootElement.GetProperty("model").GetProperty("vocab").EnumerateArray().Min(e => e[1].GetDouble());
        Assert.Equal(-13.590115547180176, min);
    }
}
