namespace FluxServe.Pipelines.Text;

/// <summary>
/// A SentencePiece Unigram vocabulary and its Viterbi segmentation, as HF <c>tokenizers</c>' Unigram model runs it
/// (<c>encode_optimized</c>; spec text-encoders §2.3): best path by summed log-probability; a character that no
/// single-character piece covers may be taken as &lt;unk&gt; at (lowest score − 10); ties keep the earlier
/// candidate; consecutive &lt;unk&gt; tokens are fused into one.
/// </summary>
internal sealed class UnigramModel
{
    private const double UnknownPenalty = 10.0;

    private readonly double[] _scores;
    private readonly int[] _rootChildren = new int[char.MaxValue + 1];   // 0 = none (the root is node 0)
    private readonly int[] _childStart;
    private readonly int[] _childCount;
    private readonly char[] _labels;
    private readonly int[] _targets;
    private readonly int[] _pieceAt;   // piece id ending at a node, or -1
    private readonly double _unknownScore;
    private readonly TokenCache _cache;

    public UnigramModel(IReadOnlyList<(string Piece, double Score)> vocabulary, int unknownId, int cacheCapacity = TokenCache.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unknownId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(unknownId, vocabulary.Count);
        UnknownId = unknownId;
        _scores = new double[vocabulary.Count];
        var minScore = double.MaxValue;
        var children = new List<SortedDictionary<char, int>?> { null };
        var pieceAt = new List<int> { -1 };
        for (var id = 0; id < vocabulary.Count; id++)
        {
            var (piece, score) = vocabulary[id];
            _scores[id] = score;
            minScore = Math.Min(minScore, score);
            if (piece.Length == 0)
            {
                continue;
            }

            var node = 0;
            foreach (var c in piece)
            {
                var map = children[node] ??= [];
                if (!map.TryGetValue(c, out var next))
                {
                    next = children.Count;
                    map.Add(c, next);
                    children.Add(null);
                    pieceAt.Add(-1);
                }

                node = next;
            }

            // HF's token → id map keeps the last id of a repeated piece.
            pieceAt[node] = id;
        }

        _unknownScore = minScore - UnknownPenalty;
        var nodes = children.Count;
        _childStart = new int[nodes];
        _childCount = new int[nodes];
        _pieceAt = pieceAt.ToArray();
        var labels = new List<char>();
        var targets = new List<int>();
        for (var n = 0; n < nodes; n++)
        {
            _childStart[n] = labels.Count;
            if (children[n] is { } map)
            {
                _childCount[n] = map.Count;
                foreach (var (label, target) in map)
                {
                    labels.Add(label);
                    targets.Add(target);
                    if (n == 0)
                    {
                        _rootChildren[label] = target;
                    }
                }
            }
        }

        _labels = labels.ToArray();
        _targets = targets.ToArray();
        _cache = new TokenCache(cacheCapacity);
    }

    public int UnknownId { get; }

    public int VocabularySize => _scores.Length;

    /// <summary>The score an unknown character costs: lowest vocabulary score − 10.</summary>
    public double UnknownScore => _unknownScore;

    /// <summary>Appends the ids of one pre-tokenized piece.</summary>
    public void EncodePiece(ReadOnlySpan<char> piece, ref PooledBuffer<int> ids)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        if (_cache.TryGet(piece, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var n = piece.Length;
        var best = new PooledBuffer<double>(n + 1);
        var from = new PooledBuffer<int>(n + 1);
        var token = new PooledBuffer<int>(n + 1);
        var result = new PooledBuffer<int>(n);
        try
        {
            var bestScore = best.AppendSpan(n + 1);
            var startAt = from.AppendSpan(n + 1);
            var tokenAt = token.AppendSpan(n + 1);
            startAt.Fill(-1);
            bestScore[0] = 0;
            for (var start = 0; start < n;)
            {
                var charLength = char.IsHighSurrogate(piece[start]) && start + 1 < n && char.IsLowSurrogate(piece[start + 1]) ? 2 : 1;
                var here = bestScore[start];
                var hasSingle = false;
                var node = _rootChildren[piece[start]];
                var end = start + 1;
                while (node != 0)
                {
                    var id = _pieceAt[node];
                    if (id >= 0)
                    {
                        Relax(bestScore, startAt, tokenAt, start, end, here + _scores[id], id);
                        hasSingle |= end - start == charLength;
                    }

                    if (end == n)
                    {
                        break;
                    }

                    node = Child(node, piece[end]);
                    end++;
                }

                if (!hasSingle)
                {
                    Relax(bestScore, startAt, tokenAt, start, start + charLength, here + _unknownScore, UnknownId);
                }

                start += charLength;
            }

            // Backtrack, fusing runs of <unk>.
            for (var end = n; end > 0; end = startAt[end])
            {
                var id = tokenAt[end];
                if (id == UnknownId && result.Count > 0 && result[result.Count - 1] == UnknownId)
                {
                    continue;
                }

                result.Add(id);
            }

            var ordered = result.Span;
            ordered.Reverse();
            ids.AddRange(ordered);
            _cache.Add(piece, ordered);
        }
        finally
        {
            result.Dispose();
            token.Dispose();
            from.Dispose();
            best.Dispose();
        }
    }

    private static void Relax(Span<double> bestScore, Span<int> startAt, Span<int> tokenAt, int start, int end, double candidate, int id)
    {
        if (startAt[end] < 0 || candidate > bestScore[end])
        {
            bestScore[end] = candidate;
            startAt[end] = start;
            tokenAt[end] = id;
        }
    }

    private int Child(int node, char c)
    {
        int lo = _childStart[node], hi = lo + _childCount[node] - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var label = _labels[mid];
            if (label == c)
            {
                return _targets[mid];
            }

            if (label < c)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return 0;
    }
}
