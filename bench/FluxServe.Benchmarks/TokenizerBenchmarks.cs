using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using FluxServe.Pipelines.Text;

namespace FluxServe.Benchmarks;

/// <summary>
/// The CLIP-L and T5 tokenizers on a long prompt (≈ 700 characters: 139 CLIP tokens, 165 T5 pieces): the fixed-length
/// paths Flux uses (CLIP 77, T5 512) with a warm word cache, the unpadded encodings, and the same with no cache
/// (every word through BPE / Viterbi). Tokens per second = tokens per call ÷ mean time; the counts are printed in
/// <see cref="Setup"/>. Tokenizer files: <c>$FLUXSERVE_TOKENIZERS</c>, else <c>../shared/tokenizers</c> beside the
/// repository.
/// </summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    /// <summary>Ordinary English with a little punctuation, accents, curly quotes and an emoji.</summary>
    public const string LongPrompt =
        "An ultra detailed cinematic photograph of an ancient library carved into the side of a mountain at dusk, " +
        "thousands of leather bound books stacked on towering wooden shelves, warm lantern light spilling across marble " +
        "floors, a lone scholar in a red cloak reading at a heavy oak desk, dust motes floating in shafts of golden light, " +
        "intricate stained glass windows showing constellations, a sleeping cat curled on a pile of scrolls, brass " +
        "telescopes and astrolabes scattered about, “volumetric fog”, café-style reading nooks, 35mm film grain, " +
        "shallow depth of field, masterpiece, best quality, 8k, hyperrealistic, trending on artstation 🐈, " +
        "soft rim lighting, rich colour palette of amber, teal and deep crimson.";

    private readonly int[] _clipIds = new int[ClipBpeTokenizer.DefaultContextLength];
    private readonly int[] _t5Ids = new int[512];
    private ClipBpeTokenizer _clip = null!;
    private ClipBpeTokenizer _clipUncached = null!;
    private T5UnigramTokenizer _t5 = null!;
    private T5UnigramTokenizer _t5Uncached = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = TokenizersRoot();
        var clip = Path.Combine(root, "clip-l");
        _clip = ClipBpeTokenizer.FromFolder(clip);
        _clipUncached = ClipBpeTokenizer.FromFiles(Path.Combine(clip, "vocab.json"), Path.Combine(clip, "merges.txt"),
            ClipTextNormalization.HuggingFaceFast, cacheCapacity: 0);
        _t5 = T5UnigramTokenizer.FromFolder(Path.Combine(root, "t5"));
        _t5Uncached = T5UnigramTokenizer.FromTokenizerJson(Path.Combine(root, "t5", "tokenizer.json"), cacheCapacity: 0);
        Console.WriteLine($"// tokens per call: CLIP {_clip.EncodeContent(LongPrompt).Length} content (75 kept at 77), " +
            $"T5 {_t5.EncodeContent(LongPrompt).Length} pieces; prompt {LongPrompt.Length} chars");
    }

    [Benchmark]
    public int ClipEncodeTo77() => _clip.EncodeTo(LongPrompt, _clipIds);

    [Benchmark]
    public int[] ClipEncodeUnpadded() => _clip.EncodeUnpadded(LongPrompt);

    [Benchmark]
    public int[] ClipEncodeUnpaddedNoCache() => _clipUncached.EncodeUnpadded(LongPrompt);

    [Benchmark]
    public int T5EncodeTo512() => _t5.EncodeTo(LongPrompt, _t5Ids);

    [Benchmark]
    public int[] T5EncodeUnpadded() => _t5.EncodeUnpadded(LongPrompt);

    [Benchmark]
    public int[] T5EncodeUnpaddedNoCache() => _t5Uncached.EncodeUnpadded(LongPrompt);

    private static string TokenizersRoot([CallerFilePath] string source = "")
    {
        var env = Environment.GetEnvironmentVariable("FLUXSERVE_TOKENIZERS");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        // bench/FluxServe.Benchmarks/ → repository root → ../shared/tokenizers
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "shared", "tokenizers"));
    }
}
