namespace FluxServe.Pipelines.Text;

/// <summary>
/// Finds literal special tokens in text the way HF <c>tokenizers</c>' added-vocabulary split does (Aho–Corasick,
/// leftmost-longest): scanning left to right, the first position where any token starts wins, and there the
/// longest token.
/// </summary>
internal sealed class SpecialTokenMatcher
{
    private readonly string[] _tokens;   // longest first within each first character
    private readonly int[] _ids;
    private readonly string _firstChars;

    public SpecialTokenMatcher(IEnumerable<KeyValuePair<string, int>> tokens)
    {
        var list = tokens.Where(t => t.Key.Length > 0)
            .OrderBy(t => t.Key[0]).ThenByDescending(t => t.Key.Length).ThenBy(t => t.Key, StringComparer.Ordinal)
            .ToArray();
        _tokens = list.Select(t => t.Key).ToArray();
        _ids = list.Select(t => t.Value).ToArray();
        _firstChars = new string(_tokens.Select(t => t[0]).Distinct().ToArray());
    }

    public int Count => _tokens.Length;

    /// <summary>
    /// Finds the next special token at or after <paramref name="start"/>. Returns its index in
    /// <paramref name="text"/> (or -1) and its length and id.
    /// </summary>
    public int FindNext(ReadOnlySpan<char> text, int start, out int length, out int id)
    {
        length = 0;
        id = -1;
        if (_tokens.Length == 0)
        {
            return -1;
        }

        var pos = start;
        while (pos < text.Length)
        {
            var at = text[pos..].IndexOfAny(_firstChars);
            if (at < 0)
            {
                return -1;
            }

            pos += at;
            var rest = text[pos..];
            var c = rest[0];
            for (var i = 0; i < _tokens.Length; i++)
            {
                var token = _tokens[i];
                if (token[0] == c && rest.StartsWith(token, StringComparison.Ordinal))
                {
                    length = token.Length;
                    id = _ids[i];
                    return pos;
                }
            }

            pos++;
        }

        return -1;
    }
}
