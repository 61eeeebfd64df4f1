using System.Globalization;
using System.Text.Json;

namespace FluxServe.Pipelines.Text;

/// <summary>
/// The T5 v1.1 SentencePiece Unigram tokenizer (spec text-encoders §2.3), read from an HF <c>tokenizer.json</c>
/// and id-exact with HF <c>tokenizers</c> (<c>T5TokenizerFast</c>): special tokens matched in the raw text,
/// precompiled charsmap normaliser, right strip, space runs → ▁, Metaspace, Viterbi, then &lt;/s&gt;.
/// </summary>
/// <remarks>
/// The reference pipelines differ only in length (<see cref="T5LengthPolicy"/>): BFL pads/truncates to 256
/// (schnell) or 512 (dev), diffusers to 512, ComfyUI pads to at least 256 and never truncates. Instances are
/// immutable apart from a bounded piece cache and are safe to share between threads.
/// </remarks>
public sealed class T5UnigramTokenizer
{
    private readonly UnigramModel _model;
    private readonly T5TextPipeline _pipeline;
    private readonly SpecialTokenMatcher _specialTokens;
    private readonly int[] _prefixIds;
    private readonly int[] _suffixIds;

    private T5UnigramTokenizer(UnigramModel model, T5TextPipeline pipeline, SpecialTokenMatcher specialTokens,
        int[] prefixIds, int[] suffixIds, int padId, int eosId)
    {
        _model = model;
        _pipeline = pipeline;
        _specialTokens = specialTokens;
        _prefixIds = prefixIds;
        _suffixIds = suffixIds;
        PadId = padId;
        EosId = eosId;
    }

    /// <summary>Id of <c>&lt;pad&gt;</c> (0).</summary>
    public int PadId { get; }

    /// <summary>Id of <c>&lt;/s&gt;</c> (1).</summary>
    public int EosId { get; }

    /// <summary>Id of <c>&lt;unk&gt;</c> (2).</summary>
    public int UnkId => _model.UnknownId;

    /// <summary>Pieces in the vocabulary (32100 for T5 v1.1; the model's embedding has 32128 rows).</summary>
    public int VocabularySize => _model.VocabularySize;

    /// <summary>
    /// Loads an HF T5 tokenizer folder (diffusers <c>tokenizer_2/</c>, ComfyUI <c>t5_tokenizer/</c>). It must hold
    /// <c>tokenizer.json</c>; a folder with only SentencePiece's <c>spiece.model</c> is refused with an error.
    /// </summary>
    public static T5UnigramTokenizer FromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"T5 tokenizer folder '{folder}' does not exist.");
        }

        var json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            return FromTokenizerJson(json);
        }

        if (File.Exists(Path.Combine(folder, "spiece.model")))
        {
            throw new NotSupportedException(
                $"T5 tokenizer folder '{folder}' has spiece.model but no tokenizer.json. FluxServe reads the HF " +
                "tokenizer.json form only (the FLUX repositories ship it in tokenizer_2/); add tokenizer.json to the folder.");
        }

        throw new FileNotFoundException($"T5 tokenizer folder '{folder}' must contain tokenizer.json.", json);
    }

    /// <summary>Loads an HF <c>tokenizer.json</c> with a Unigram model.</summary>
    public static T5UnigramTokenizer FromTokenizerJson(string path) => FromTokenizerJson(path, TokenCache.DefaultCapacity);

    /// <summary>As the public overload, with the piece cache's capacity (0: no cache; benchmarks).</summary>
    internal static T5UnigramTokenizer FromTokenizerJson(string path, int cacheCapacity)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
        try
        {
            return Build(document.RootElement, path, cacheCapacity);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a Unigram tokenizer.json this reader understands ({e.Message}).", e);
        }
    }

    /// <summary>The piece ids of <paramref name="text"/>: no &lt;/s&gt;, no truncation.</summary>
    public int[] EncodeContent(ReadOnlySpan<char> text)
    {
        var ids = new PooledBuffer<int>(64);
        try
        {
            AppendContent(text, ref ids, int.MaxValue);
            return ids.Span.ToArray();
        }
        finally
        {
            ids.Dispose();
        }
    }

    /// <summary>The pieces and &lt;/s&gt;, neither truncated nor padded.</summary>
    public int[] EncodeUnpadded(ReadOnlySpan<char> text) => Encode(text, T5LengthPolicy.Unpadded);

    /// <summary>The pieces and &lt;/s&gt;, truncated and padded as <paramref name="policy"/> says.</summary>
    public int[] Encode(ReadOnlySpan<char> text, T5LengthPolicy policy)
    {
        var ids = new PooledBuffer<int>(64);
        try
        {
            var limit = policy.MaxLength > 0 ? ContentLimit(policy.MaxLength) : int.MaxValue;
            AppendContent(text, ref ids, limit);
            var content = ids.Span[..Math.Min(ids.Count, limit)];
            var unpadded = _prefixIds.Length + content.Length + _suffixIds.Length;
            var result = new int[policy.LengthFor(unpadded)];
            Frame(content, result);
            return result;
        }
        finally
        {
            ids.Dispose();
        }
    }

    /// <summary>
    /// Writes the sequence for a fixed length, <paramref name="destination"/>.Length (BFL: 256 schnell, 512 dev):
    /// truncated keeping the final &lt;/s&gt;, right-padded with &lt;pad&gt;. Returns the number of ids before the
    /// padding. Allocates nothing once the pieces are cached.
    /// </summary>
    public int EncodeTo(ReadOnlySpan<char> text, Span<int> destination)
    {
        var limit = ContentLimit(destination.Length);
        var ids = new PooledBuffer<int>(Math.Min(destination.Length, 1024));
        try
        {
            AppendContent(text, ref ids, limit);
            return Frame(ids.Span[..Math.Min(ids.Count, limit)], destination);
        }
        finally
        {
            ids.Dispose();
        }
    }

    private int ContentLimit(int maxLength)
    {
        var limit = maxLength - _prefixIds.Length - _suffixIds.Length;
        return limit >= 0
            ? limit
            : throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"T5 sequences need at least {_prefixIds.Length + _suffixIds.Length} ids.");
    }

    private int Frame(ReadOnlySpan<int> content, Span<int> destination)
    {
        _prefixIds.CopyTo(destination);
        content.CopyTo(destination[_prefixIds.Length..]);
        var used = _prefixIds.Length + content.Length;
        _suffixIds.CopyTo(destination[used..]);
        used += _suffixIds.Length;
        destination[used..].Fill(PadId);
        return used;
    }

    private void AppendContent(ReadOnlySpan<char> text, ref PooledBuffer<int> ids, int limit)
    {
        var position = 0;
        while (ids.Count < limit)
        {
            var at = _specialTokens.FindNext(text, position, out var length, out var id);
            var end = at < 0 ? text.Length : at;
            if (end > position)
            {
                _pipeline.EncodeSegment(text[position..end], position == 0, _model, ref ids, limit);
            }

            if (at < 0)
            {
                break;
            }

            if (ids.Count < limit)
            {
                ids.Add(id);
            }

            position = at + length;
        }
    }

    private static T5UnigramTokenizer Build(JsonElement root, string path, int cacheCapacity)
    {
        var model = root.GetProperty("model");
        var type = model.GetProperty("type").GetString();
        if (type != "Unigram")
        {
            throw new NotSupportedException($"{path}: model type '{type}' is not Unigram.");
        }

        if (model.TryGetProperty("byte_fallback", out var byteFallback) && byteFallback.ValueKind == JsonValueKind.True)
        {
            throw new NotSupportedException($"{path}: Unigram byte_fallback is not supported (T5 does not use it).");
        }

        var vocabulary = new List<(string, double)>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateArray())
        {
            var piece = entry[0].GetString()!;
            ids[piece] = vocabulary.Count;
            vocabulary.Add((piece, entry[1].GetDouble()));
        }

        var unknownId = model.TryGetProperty("unk_id", out var unk) && unk.ValueKind == JsonValueKind.Number
            ? unk.GetInt32()
            : throw new NotSupportedException($"{path}: a Unigram model without unk_id is not supported.");

        var specials = new List<KeyValuePair<string, int>>();
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in added.EnumerateArray())
            {
                var content = token.GetProperty("content").GetString()!;
                if (Flag(token, "normalized") || Flag(token, "lstrip") || Flag(token, "rstrip") || Flag(token, "single_word"))
                {
                    throw new NotSupportedException($"{path}: added token '{content}' uses normalized/lstrip/rstrip/single_word, which this reader does not support.");
                }

                specials.Add(new(content, token.GetProperty("id").GetInt32()));
            }
        }

        var (prefix, suffix) = ReadTemplate(root, path, specials, ids);
        var padId = ids.TryGetValue("<pad>", out var pad) ? pad : 0;
        var eosId = ids.TryGetValue("</s>", out var eos) ? eos : (suffix.Length > 0 ? suffix[^1] : 1);
        var pipeline = ReadPipeline(root, path);
        return new T5UnigramTokenizer(new UnigramModel(vocabulary, unknownId, cacheCapacity), pipeline, new SpecialTokenMatcher(specials),
            prefix, suffix, padId, eosId);
    }

    private static bool Flag(JsonElement token, string name) =>
        token.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static (int[] Prefix, int[] Suffix) ReadTemplate(JsonElement root, string path, List<KeyValuePair<string, int>> specials,
        Dictionary<string, int> ids)
    {
        if (!root.TryGetProperty("post_processor", out var post) || post.ValueKind == JsonValueKind.Null)
        {
            return ([], []);
        }

        if (post.GetProperty("type").GetString() != "TemplateProcessing")
        {
            throw new NotSupportedException($"{path}: post_processor '{post.GetProperty("type").GetString()}' is not supported (expected TemplateProcessing).");
        }

        var prefix = new List<int>();
        var suffix = new List<int>();
        var seenSequence = false;
        foreach (var piece in post.GetProperty("single").EnumerateArray())
        {
            if (piece.TryGetProperty("Sequence", out _))
            {
                seenSequence = true;
                continue;
            }

            var name = piece.GetProperty("SpecialToken").GetProperty("id").GetString()!;
            var target = seenSequence ? suffix : prefix;
            if (post.TryGetProperty("special_tokens", out var map) && map.TryGetProperty(name, out var special))
            {
                target.AddRange(special.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
            }
            else
            {
                var index = specials.FindIndex(s => s.Key == name);
                target.Add(index >= 0 ? specials[index].Value : ids[name]);
            }
        }

        return (prefix.ToArray(), suffix.ToArray());
    }

    private static T5TextPipeline ReadPipeline(JsonElement root, string path)
    {
        var steps = new List<NormalizerStep>();
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
        {
            AddNormalizer(normalizer, steps, path);
        }

        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind == JsonValueKind.Null
            || pre.GetProperty("type").GetString() != "Metaspace")
        {
            throw new NotSupportedException($"{path}: the pre_tokenizer must be a single Metaspace (as in the T5 tokenizer.json FLUX ships).");
        }

        var replacement = pre.TryGetProperty("replacement", out var r) ? r.GetString()! : "\u2581";
        if (replacement.Length != 1)
        {
            throw new NotSupportedException($"{path}: Metaspace replacement '{replacement}' is not a single character.");
        }

        MetaspacePrepend prepend;
        if (pre.TryGetProperty("prepend_scheme", out var scheme) && scheme.ValueKind == JsonValueKind.String)
        {
            prepend = scheme.GetString() switch
            {
                "always" => MetaspacePrepend.Always,
                "first" => MetaspacePrepend.First,
                "never" => MetaspacePrepend.Never,
                var other => throw new NotSupportedException($"{path}: Metaspace prepend_scheme '{other}' is unknown."),
            };
        }
        else
        {
            prepend = !pre.TryGetProperty("add_prefix_space", out var add) || add.ValueKind == JsonValueKind.True
                ? MetaspacePrepend.Always
                : MetaspacePrepend.Never;
        }

        var split = !pre.TryGetProperty("split", out var s) || s.ValueKind != JsonValueKind.False;
        return new T5TextPipeline(steps, replacement[0], prepend, split);
    }

    private static void AddNormalizer(JsonElement normalizer, List<NormalizerStep> steps, string path)
    {
        var type = normalizer.GetProperty("type").GetString();
        switch (type)
        {
            case "Sequence":
                foreach (var inner in normalizer.GetProperty("normalizers").EnumerateArray())
                {
                    AddNormalizer(inner, steps, path);
                }

                break;
            case "Precompiled":
                var charsmap = normalizer.GetProperty("precompiled_charsmap");
                if (charsmap.ValueKind == JsonValueKind.String)
                {
                    steps.Add(new NormalizerStep.Precompiled(PrecompiledCharsMap.FromBase64(charsmap.GetString()!)));
                }

                break;
            case "Strip":
                steps.Add(new NormalizerStep.Strip(Flag(normalizer, "strip_left"), Flag(normalizer, "strip_right")));
                break;
            case "Replace":
                var pattern = normalizer.GetProperty("pattern");
                var content = normalizer.GetProperty("content").GetString()!;
                if (pattern.TryGetProperty("String", out var literal))
                {
                    steps.Add(new NormalizerStep.ReplaceString(literal.GetString()!, content));
                }
                else if (pattern.TryGetProperty("Regex", out var regex) && TryParseSpaceRun(regex.GetString()!, out var minimum))
                {
                    steps.Add(new NormalizerStep.ReplaceSpaceRuns(minimum, content));
                }
                else
                {
                    throw new NotSupportedException($"{path}: Replace pattern {pattern.GetRawText()} is not supported (only literal strings and \" {{n,}}\").");
                }

                break;
            default:
                throw new NotSupportedException($"{path}: normalizer '{type}' is not supported (Precompiled, Strip, Replace, Sequence are).");
        }
    }

    /// <summary>Recognises the regex <c>" {n,}"</c> (and <c>" +"</c>).</summary>
    private static bool TryParseSpaceRun(string regex, out int minimum)
    {
        minimum = 0;
        if (regex == " +")
        {
            minimum = 1;
            return true;
        }

        if (regex.Length >= 5 && regex.StartsWith(" {", StringComparison.Ordinal) && regex.EndsWith(",}", StringComparison.Ordinal))
        {
            return int.TryParse(regex.AsSpan(2, regex.Length - 4), NumberStyles.None, CultureInfo.InvariantCulture, out minimum) && minimum >= 1;
        }

        return false;
    }
}
