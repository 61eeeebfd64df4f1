namespace FluxServe.Pipelines.Text;

/// <summary>
/// The CLIP ViT-L/14 byte-level BPE tokenizer (spec text-encoders §1.2), id-exact with HF
/// <c>CLIPTokenizerFast</c> by default (<see cref="ClipTextNormalization.HuggingFaceFast"/>), or with HF's slow
/// <c>CLIPTokenizer</c> as ComfyUI runs it (<see cref="ClipTextNormalization.ComfyUi"/>).
/// </summary>
/// <remarks>
/// Sequences are <c>[BOS] + content + [EOS]</c>; <see cref="Encode(ReadOnlySpan{char}, int)"/> keeps at most
/// <c>contextLength − 2</c> content tokens and right-pads with <see cref="PadId"/> (= EOS), which is what the
/// BFL reference and diffusers feed CLIP. <see cref="EncodeChunks"/> is ComfyUI's split of a long prompt into
/// several 77-token windows. The literal strings <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c> in a
/// prompt are encoded as those special tokens. Instances are immutable apart from a bounded word cache and are
/// safe to share between threads.
/// </remarks>
public sealed class ClipBpeTokenizer
{
    /// <summary>CLIP's context length: BOS + 75 tokens + EOS.</summary>
    public const int DefaultContextLength = 77;

    /// <summary>Number of merges the CLIP tokenizer uses: 49152 − 256 − 2 (the first lines of merges.txt).</summary>
    public const int MergeLimit = 49152 - 256 - 2;

    private const string StartOfText = "<|startoftext|>";
    private const string EndOfText = "<|endoftext|>";

    private readonly BytePairModel _model;
    private readonly SpecialTokenMatcher _specialTokens;

    private ClipBpeTokenizer(BytePairModel model, ClipTextNormalization normalization)
    {
        _model = model;
        Normalization = normalization;
        BosId = model.TryGetId(StartOfText, out var bos) ? bos : throw new InvalidDataException($"The CLIP vocabulary has no '{StartOfText}'.");
        EosId = model.TryGetId(EndOfText, out var eos) ? eos : throw new InvalidDataException($"The CLIP vocabulary has no '{EndOfText}'.");
        _specialTokens = new SpecialTokenMatcher([new(StartOfText, BosId), new(EndOfText, EosId)]);
    }

    /// <summary>Id of <c>&lt;|startoftext|&gt;</c> (49406 for CLIP-L).</summary>
    public int BosId { get; }

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c> (49407 for CLIP-L).</summary>
    public int EosId { get; }

    /// <summary>Padding id: <c>&lt;|endoftext|&gt;</c>, as in HF, BFL and ComfyUI.</summary>
    public int PadId => EosId;

    /// <summary>Number of entries in the vocabulary (49408 for CLIP-L).</summary>
    public int VocabularySize => _model.VocabularySize;

    /// <summary>The text clean-up this instance applies.</summary>
    public ClipTextNormalization Normalization { get; }

    /// <summary>Words held by the BPE cache (diagnostics).</summary>
    internal int CachedWords => _model.CachedWords;

    /// <summary>
    /// Loads an HF CLIP tokenizer folder (diffusers <c>tokenizer/</c>, ComfyUI <c>sd1_tokenizer/</c>): it must hold
    /// <c>vocab.json</c> and <c>merges.txt</c>.
    /// </summary>
    public static ClipBpeTokenizer FromFolder(string folder, ClipTextNormalization normalization = ClipTextNormalization.HuggingFaceFast)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"CLIP tokenizer folder '{folder}' does not exist.");
        }

        var vocabulary = Path.Combine(folder, "vocab.json");
        var merges = Path.Combine(folder, "merges.txt");
        if (!File.Exists(vocabulary) || !File.Exists(merges))
        {
            throw new FileNotFoundException(
                $"CLIP tokenizer folder '{folder}' must contain vocab.json and merges.txt (an HF CLIP 'tokenizer/' folder).",
                File.Exists(vocabulary) ? merges : vocabulary);
        }

        return FromFiles(vocabulary, merges, normalization);
    }

    /// <summary>Loads the tokenizer from a <c>vocab.json</c> and a <c>merges.txt</c>.</summary>
    public static ClipBpeTokenizer FromFiles(string vocabularyJsonPath, string mergesTxtPath,
        ClipTextNormalization normalization = ClipTextNormalization.HuggingFaceFast) =>
        FromFiles(vocabularyJsonPath, mergesTxtPath, normalization, TokenCache.DefaultCapacity);

    /// <summary>As the public overload, with the word cache's capacity (0: no cache; benchmarks).</summary>
    internal static ClipBpeTokenizer FromFiles(string vocabularyJsonPath, string mergesTxtPath, ClipTextNormalization normalization,
        int cacheCapacity)
    {
        ArgumentNullException.ThrowIfNull(vocabularyJsonPath);
        ArgumentNullException.ThrowIfNull(mergesTxtPath);
        var model = BytePairModel.Load(vocabularyJsonPath, mergesTxtPath, "</w>", EndOfText, MergeLimit, cacheCapacity);
        return new ClipBpeTokenizer(model, normalization);
    }

    /// <summary>The same vocabulary (and cache) with another text clean-up.</summary>
    public ClipBpeTokenizer WithNormalization(ClipTextNormalization normalization) =>
        normalization == Normalization ? this : new ClipBpeTokenizer(_model, normalization);

    /// <summary>The content ids of <paramref name="text"/>: no BOS/EOS, no truncation.</summary>
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

    /// <summary><c>[BOS] + content + [EOS]</c> without truncation or padding.</summary>
    public int[] EncodeUnpadded(ReadOnlySpan<char> text)
    {
        var ids = new PooledBuffer<int>(64);
        try
        {
            ids.Add(BosId);
            AppendContent(text, ref ids, int.MaxValue);
            ids.Add(EosId);
            return ids.Span.ToArray();
        }
        finally
        {
            ids.Dispose();
        }
    }

    /// <summary>
    /// <c>[BOS] + first (contextLength − 2) content ids + [EOS]</c>, right-padded with <see cref="PadId"/> to
    /// <paramref name="contextLength"/>: what BFL's <c>HFEmbedder</c> and diffusers feed CLIP.
    /// </summary>
    public int[] Encode(ReadOnlySpan<char> text, int contextLength = DefaultContextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        var ids = new int[contextLength];
        EncodeTo(text, ids);
        return ids;
    }

    /// <summary>
    /// Writes the <see cref="Encode(ReadOnlySpan{char}, int)"/> sequence into <paramref name="destination"/>, whose
    /// length is the context length (at least 2). Returns the number of ids before the padding (BOS + content +
    /// EOS). CLIP pools at the first EOS: at that count − 1, unless the prompt itself contains
    /// <c>&lt;|endoftext|&gt;</c>. Allocates nothing once the words are cached.
    /// </summary>
    public int EncodeTo(ReadOnlySpan<char> text, Span<int> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, 2, nameof(destination));
        var ids = new PooledBuffer<int>(destination.Length);
        try
        {
            var limit = destination.Length - 2;
            AppendContent(text, ref ids, limit);
            var content = ids.Span[..Math.Min(ids.Count, limit)];
            destination[0] = BosId;
            content.CopyTo(destination[1..]);
            destination[content.Length + 1] = EosId;
            destination[(content.Length + 2)..].Fill(PadId);
            return content.Length + 2;
        }
        finally
        {
            ids.Dispose();
        }
    }

    /// <summary>
    /// ComfyUI's windows for an unweighted prompt (<c>SDTokenizer.tokenize_with_weights</c>): the content is cut
    /// into runs of <c>contextLength − 2</c> tokens, each framed as <c>[BOS] + run + [EOS]</c> and padded with
    /// <see cref="PadId"/>; an empty prompt gives one window. Flux reads the pooled vector of window 0 only.
    /// </summary>
    public int[][] EncodeChunks(ReadOnlySpan<char> text, int contextLength = DefaultContextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 3);
        var ids = new PooledBuffer<int>(64);
        try
        {
            AppendContent(text, ref ids, int.MaxValue);
            var perChunk = contextLength - 2;
            var count = Math.Max(1, (ids.Count + perChunk - 1) / perChunk);
            var chunks = new int[count][];
            for (var c = 0; c < count; c++)
            {
                var chunk = new int[contextLength];
                var run = ids.Span.Slice(c * perChunk, Math.Min(perChunk, ids.Count - c * perChunk));
                chunk[0] = BosId;
                run.CopyTo(chunk.AsSpan(1));
                chunk[run.Length + 1] = EosId;
                chunk.AsSpan(run.Length + 2).Fill(PadId);
                chunks[c] = chunk;
            }

            return chunks;
        }
        finally
        {
            ids.Dispose();
        }
    }

    /// <summary>Appends content ids, stopping once <paramref name="limit"/> ids are present (more may be added).</summary>
    private void AppendContent(ReadOnlySpan<char> text, ref PooledBuffer<int> ids, int limit)
    {
        if (Normalization == ClipTextNormalization.HuggingFaceFast)
        {
            // HF fast: the special tokens are "normalized" added tokens, found in the normalised text.
            var normalized = new PooledBuffer<char>(text.Length + 8);
            try
            {
                ClipTextNormalizer.NormalizeFast(text, ref normalized);
                AppendSegments(normalized.Span, ref ids, limit, normalize: false);
            }
            finally
            {
                normalized.Dispose();
            }
        }
        else
        {
            // Slow tokenizer: added tokens are split out of the raw text first, then each part is cleaned.
            AppendSegments(text, ref ids, limit, normalize: true);
        }
    }

    private void AppendSegments(ReadOnlySpan<char> text, ref PooledBuffer<int> ids, int limit, bool normalize)
    {
        var position = 0;
        while (position <= text.Length && ids.Count < limit)
        {
            var at = _specialTokens.FindNext(text, position, out var length, out var id);
            var end = at < 0 ? text.Length : at;
            if (end > position)
            {
                var segment = text[position..end];
                if (normalize)
                {
                    var cleaned = new PooledBuffer<char>(segment.Length + 8);
                    try
                    {
                        ClipTextNormalizer.NormalizeBasic(segment, ref cleaned);
                        AppendWords(cleaned.Span, ref ids, limit);
                    }
                    finally
                    {
                        cleaned.Dispose();
                    }
                }
                else
                {
                    AppendWords(segment, ref ids, limit);
                }
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

    private void AppendWords(ReadOnlySpan<char> text, ref PooledBuffer<int> ids, int limit)
    {
        var slow = Normalization == ClipTextNormalization.ComfyUi;
        var position = 0;
        while (ids.Count < limit && ClipPieceSplitter.Next(text, ref position, out var start, out var length, slow))
        {
            var word = text.Slice(start, length);
            if (slow && ClipPieceSplitter.IsSpecialLiteral(word))
            {
                // The slow tokenizer's BPE cache is seeded with both literals, so they map to their own ids.
                ids.Add(word[2] == 's' ? BosId : EosId);
                continue;
            }

            _model.EncodeWord(word, ref ids);
        }
    }
}
