using FluxServe.Pipelines.Text;

namespace FluxServe.Pipelines.Tests.Text;

/// <summary>The Viterbi segmentation against an exhaustive search over every segmentation (scalar reference).</summary>
public sealed class UnigramModelTests
{
    [Fact]
    public void Viterbi_equals_exhaustive_search_on_random_vocabularies()
    {
        var random = new Random(7);
        var checkedCount = 0;
        const string alphabet = "abcd\u00E9\U0001F600";
        for (var trial = 0; trial < 300; trial++)
        {
            var pieces = new Dictionary<string, double>(StringComparer.Ordinal) { ["<unk>"] = 0 };
            var count = random.Next(1, 14);
            while (pieces.Count < count + 1)
            {
                pieces.TryAdd(RandomText(random, alphabet, random.Next(1, 4)), -random.NextDouble() * 10);
            }

            var vocabulary = pieces.Select(p => (p.Key, p.Value)).ToList();
            var model = new UnigramModel(vocabulary, unknownId: 0, cacheCapacity: 0);
            var ids = vocabulary.Select((v, i) => (v.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
            for (var s = 0; s < 10; s++)
            {
                var text = RandomText(random, alphabet, random.Next(1, 7));
                var buffer = new PooledBuffer<int>(8);
                try
                {
                    model.EncodePiece(text, ref buffer);
                    var expected = Exhaustive(text, pieces, ids, pieces.Values.Min() - 10.0, out var tied);
                    if (!tied)
                    {
                        Assert.Equal(expected, buffer.Span.ToArray());
                        checkedCount++;
                    }
                }
                finally
                {
                    buffer.Dispose();
                }
            }
        }

        Assert.True(checkedCount > 2500, $"only {checkedCount} untied cases");
    }

    /// <summary>Best-scoring segmentation (pieces, or &lt;unk&gt; for a code point no single piece covers), with
    /// consecutive &lt;unk&gt; fused. <paramref name="tied"/>: another segmentation scores within 1e-9 (the tie rule is
    /// then the implementation's, not checked here).</summary>
    private static int[] Exhaustive(string text, Dictionary<string, double> pieces, Dictionary<string, int> ids, double unknownScore, out bool tied)
    {
        var tie = false;
        var starts = new List<int>();
        for (var i = 0; i < text.Length; i += char.IsHighSurrogate(text[i]) ? 2 : 1)
        {
            starts.Add(i);
        }

        starts.Add(text.Length);
        var best = double.NegativeInfinity;
        int[] bestIds = [];

        void Walk(int at, double score, List<int> path)
        {
            if (at == text.Length)
            {
                if (Math.Abs(score - best) < 1e-9)
                {
                    tie = true;
                }

                if (score > best)
                {
                    tie = best > score - 1e-9;
                    best = score;
                    bestIds = [.. path];
                }

                return;
            }

            var index = starts.IndexOf(at);
            var single = text[at..starts[index + 1]];
            foreach (var end in starts.Where(e => e > at))
            {
                var piece = text[at..end];
                if (piece != "<unk>" && pieces.TryGetValue(piece, out var s))
                {
                    path.Add(ids[piece]);
                    Walk(end, score + s, path);
                    path.RemoveAt(path.Count - 1);
                }
            }

            if (!pieces.ContainsKey(single))
            {
                path.Add(0);
                Walk(starts[index + 1], score + unknownScore, path);
                path.RemoveAt(path.Count - 1);
            }
        }

        Walk(0, 0, []);
        tied = tie;
        var fused = new List<int>();
        foreach (var id in bestIds)
        {
            if (!(id == 0 && fused.Count > 0 && fused[^1] == 0))
            {
                fused.Add(id);
            }
        }

        return [.. fused];
    }

    private static string RandomText(Random random, string alphabet, int codePoints)
    {
        var runes = alphabet.EnumerateRunes().ToArray();
        return string.Concat(Enumerable.Range(0, codePoints).Select(_ => runes[random.Next(runes.Length)].ToString()));
    }
}
