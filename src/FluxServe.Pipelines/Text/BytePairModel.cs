using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FluxServe.Pipelines.Text;

/// <summary>
/// Byte-level BPE with an end-of-word suffix, as HF <c>tokenizers</c>' BPE model runs for CLIP
/// (spec text-encoders §1.2 steps 3–5). Symbols are vocabulary ids from the start: a word's UTF-8 bytes map to the
/// ids of their byte characters, the last one with <c>&lt;/w&gt;</c>; then the lowest-ranked adjacent pair is merged
/// everywhere, left to right, until no ranked pair remains.
/// </summary>
internal sealed class BytePairModel
{
    private readonly Dictionary<string, int> _vocabulary;
    private readonly int[] _byteIds = new int[256];
    private readonly int[] _byteEndIds = new int[256];
    private readonly Dictionary<long, MergeTarget> _merges;
    private readonly TokenCache _cache;

    private BytePairModel(Dictionary<string, int> vocabulary, Dictionary<long, MergeTarget> merges, string endOfWordSuffix,
        int unknownId, int cacheCapacity)
    {
        _vocabulary = vocabulary;
        _merges = merges;
        UnknownId = unknownId;
        _cache = new TokenCache(cacheCapacity);
        for (var b = 0; b < 256; b++)
        {
            var c = ByteLevelAlphabet.ToChar((byte)b).ToString();
            _byteIds[b] = vocabulary.GetValueOrDefault(c, unknownId);
            _byteEndIds[b] = vocabulary.GetValueOrDefault(c + endOfWordSuffix, unknownId);
        }
    }

    public int UnknownId { get; }

    public int VocabularySize => _vocabulary.Count;

    public int MergeCount => _merges.Count;

    /// <summary>Words currently held by the cache (for tests and diagnostics).</summary>
    public int CachedWords => _cache.Count;

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c>, keeping at most <paramref name="mergeLimit"/> merges.</summary>
    public static BytePairModel Load(string vocabularyPath, string mergesPath, string endOfWordSuffix, string unknownToken,
        int mergeLimit, int cacheCapacity = TokenCache.DefaultCapacity)
    {
        var vocabulary = ReadVocabulary(vocabularyPath);
        if (!vocabulary.TryGetValue(unknownToken, out var unknownId))
        {
            throw new InvalidDataException($"{vocabularyPath}: the unknown token '{unknownToken}' is not in the vocabulary.");
        }

        var merges = new Dictionary<long, MergeTarget>();
        var rank = 0;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath, Encoding.UTF8))
        {
            lineNumber++;
            if (rank >= mergeLimit)
            {
                break;
            }

            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            {
                throw new InvalidDataException($"{mergesPath}:{lineNumber}: expected two symbols separated by one space, got '{line}'.");
            }

            var left = line[..space];
            var right = line[(space + 1)..];
            if (!vocabulary.TryGetValue(left, out var leftId) || !vocabulary.TryGetValue(right, out var rightId)
                || !vocabulary.TryGetValue(left + right, out var mergedId))
            {
                throw new InvalidDataException($"{mergesPath}:{lineNumber}: merge '{line}' uses a symbol that is not in the vocabulary.");
            }

            merges.TryAdd(PairKey(leftId, rightId), new MergeTarget(rank, mergedId));
            rank++;
        }

        return new BytePairModel(vocabulary, merges, endOfWordSuffix, unknownId, cacheCapacity);
    }

    public bool TryGetId(string token, out int id) => _vocabulary.TryGetValue(token, out id);

    /// <summary>Appends the ids of one pre-tokenized word (normalised text, before the byte mapping).</summary>
    public void EncodeWord(ReadOnlySpan<char> word, ref PooledBuffer<int> ids)
    {
        if (word.IsEmpty)
        {
            return;
        }

        if (_cache.TryGet(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var byteCount = Encoding.UTF8.GetByteCount(word);
        byte[]? rentedBytes = null;
        int[]? rentedSymbols = null;
        try
        {
            Span<byte> bytes = byteCount <= 256 ? stackalloc byte[256] : (rentedBytes = ArrayPool<byte>.Shared.Rent(byteCount));
            Span<int> symbols = byteCount <= 256 ? stackalloc int[256] : (rentedSymbols = ArrayPool<int>.Shared.Rent(byteCount));
            bytes = bytes[..Encoding.UTF8.GetBytes(word, bytes)];
            symbols = symbols[..bytes.Length];
            for (var i = 0; i < bytes.Length - 1; i++)
            {
                symbols[i] = _byteIds[bytes[i]];
            }

            symbols[^1] = _byteEndIds[bytes[^1]];
            var merged = symbols[..Merge(symbols)];
            ids.AddRange(merged);
            _cache.Add(word, merged);
        }
        finally
        {
            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }

            if (rentedSymbols is not null)
            {
                ArrayPool<int>.Shared.Return(rentedSymbols);
            }
        }
    }

    /// <summary>Runs the merges in place and returns the new symbol count.</summary>
    /// <remarks>
    /// Pair ranks are kept beside the symbols, so a merge only re-looks-up the pairs next to merged symbols; finding
    /// the lowest rank is a scan of an int array. Ranks are unique per pair, so the first lowest-ranked position is
    /// the first occurrence of that pair, and every non-overlapping occurrence is merged left to right (the classic
    /// loop; HF's heap-ordered merging gives the same result because a merge's product only takes part in later,
    /// higher-ranked merges).
    /// </remarks>
    private int Merge(Span<int> symbols)
    {
        var length = symbols.Length;
        if (length < 2)
        {
            return length;
        }

        int[]? rented = null;
        var scratch = length <= 256 ? stackalloc int[3 * 256] : (rented = ArrayPool<int>.Shared.Rent(3 * length));
        try
        {
            var ranks = scratch[..length];
            var targets = scratch.Slice(length, length);
            var dirty = scratch.Slice(2 * length, length);
            for (var i = 0; i < length - 1; i++)
            {
                (ranks[i], targets[i]) = Lookup(symbols[i], symbols[i + 1]);
            }

            while (length > 1)
            {
                var bestRank = int.MaxValue;
                var bestAt = -1;
                for (var i = 0; i < length - 1; i++)
                {
                    if (ranks[i] < bestRank)
                    {
                        bestRank = ranks[i];
                        bestAt = i;
                    }
                }

                if (bestAt < 0)
                {
                    break;
                }

                int first = symbols[bestAt], second = symbols[bestAt + 1], merged = targets[bestAt];
                var write = bestAt;
                for (var read = bestAt; read < length; write++)
                {
                    if (read < length - 1 && symbols[read] == first && symbols[read + 1] == second)
                    {
                        symbols[write] = merged;
                        dirty[write] = 1;
                        if (write > 0)
                        {
                            dirty[write - 1] = 1;
                        }

                        read += 2;
                    }
                    else
                    {
                        symbols[write] = symbols[read];
                        ranks[write] = ranks[read];
                        targets[write] = targets[read];
                        dirty[write] = 0;
                        read++;
                    }
                }

                length = write;
                for (var i = Math.Max(0, bestAt - 1); i < length - 1; i++)
                {
                    if (dirty[i] != 0)
                    {
                        (ranks[i], targets[i]) = Lookup(symbols[i], symbols[i + 1]);
                    }
                }
            }

            return length;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    private (int Rank, int Id) Lookup(int left, int right) =>
        _merges.TryGetValue(PairKey(left, right), out var target) ? (target.Rank, target.Id) : (int.MaxValue, 0);

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        var json = File.ReadAllBytes(path);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true });
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException($"{path}: expected a JSON object of token → id.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var token = reader.GetString()!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number)
            {
                throw new InvalidDataException($"{path}: the id of '{token}' is not a number.");
            }

            vocabulary[token] = reader.GetInt32();
        }

        return vocabulary;
    }

    private readonly record struct MergeTarget(int Rank, int Id);
}
