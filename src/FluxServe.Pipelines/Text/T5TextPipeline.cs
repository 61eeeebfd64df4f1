namespace FluxServe.Pipelines.Text;

/// <summary>
/// The normaliser and pre-tokenizer of an HF T5 <c>tokenizer.json</c> (spec text-encoders §2.3): a sequence of
/// <c>Precompiled</c> / <c>Strip</c> / <c>Replace</c> steps, then <c>Metaspace</c> (spaces → ▁, a ▁ prepended per
/// the prepend scheme, split before each run of ▁).
/// </summary>
internal sealed class T5TextPipeline
{
    private readonly NormalizerStep[] _steps;

    public T5TextPipeline(IReadOnlyList<NormalizerStep> steps, char replacement, MetaspacePrepend prepend, bool split)
    {
        _steps = [.. steps];
        Replacement = replacement;
        Prepend = prepend;
        Split = split;
    }

    public char Replacement { get; }

    public MetaspacePrepend Prepend { get; }

    public bool Split { get; }

    /// <summary>
    /// Normalises one segment of the input (text between special tokens) and hands each pre-tokenized piece to
    /// <paramref name="model"/>. <paramref name="atTextStart"/>: the segment starts at offset 0 of the input,
    /// which the "first" prepend scheme asks.
    /// </summary>
    public void EncodeSegment(ReadOnlySpan<char> segment, bool atTextStart, UnigramModel model, ref PooledBuffer<int> ids, int limit)
    {
        var a = new PooledBuffer<char>(segment.Length + 8);
        var b = new PooledBuffer<char>(segment.Length + 8);
        try
        {
            a.AddRange(segment);
            foreach (var step in _steps)
            {
                b.Clear();
                step.Apply(a.Span, ref b);
                (a, b) = (b, a);
            }

            // Metaspace: ' ' → ▁, prepend, split.
            b.Clear();
            var text = a.Span;
            if (text.IsEmpty)
            {
                return;
            }

            var prepend = Prepend == MetaspacePrepend.Always || (Prepend == MetaspacePrepend.First && atTextStart);
            if (prepend && text[0] != ' ' && text[0] != Replacement)
            {
                b.Add(Replacement);
            }

            foreach (var c in text)
            {
                b.Add(c == ' ' ? Replacement : c);
            }

            var pieces = b.Span;
            if (!Split)
            {
                model.EncodePiece(pieces, ref ids);
                return;
            }

            // HF SplitDelimiterBehavior::MergedWithNext: a piece starts at each run of ▁.
            var start = 0;
            for (var i = 1; i <= pieces.Length && ids.Count < limit; i++)
            {
                if (i == pieces.Length || (pieces[i] == Replacement && pieces[i - 1] != Replacement))
                {
                    model.EncodePiece(pieces[start..i], ref ids);
                    start = i;
                }
            }
        }
        finally
        {
            b.Dispose();
            a.Dispose();
        }
    }
}

/// <summary>Metaspace <c>prepend_scheme</c>.</summary>
internal enum MetaspacePrepend
{
    Always,
    First,
    Never,
}

/// <summary>One normaliser of a <c>tokenizer.json</c> Sequence.</summary>
internal abstract class NormalizerStep
{
    public abstract void Apply(ReadOnlySpan<char> text, ref PooledBuffer<char> destination);

    /// <summary>The <c>Precompiled</c> charsmap normaliser.</summary>
    public sealed class Precompiled(PrecompiledCharsMap map) : NormalizerStep
    {
        public PrecompiledCharsMap Map { get; } = map;

        public override void Apply(ReadOnlySpan<char> text, ref PooledBuffer<char> destination) => Map.Normalize(text, ref destination);
    }

    /// <summary><c>Strip</c>: trims Unicode whitespace (Rust <c>char::is_whitespace</c>) from either side.</summary>
    public sealed class Strip(bool left, bool right) : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
        {
            // White_Space characters are all in the BMP, so char tests are code-point tests.
            var start = 0;
            var end = text.Length;
            while (left && start < end && char.IsWhiteSpace(text[start]))
            {
                start++;
            }

            while (right && end > start && char.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }

            destination.AddRange(text[start..end]);
        }
    }

    /// <summary><c>Replace</c> of a literal string.</summary>
    public sealed class ReplaceString(string pattern, string content) : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
        {
            while (true)
            {
                var at = text.IndexOf(pattern, StringComparison.Ordinal);
                if (at < 0)
                {
                    destination.AddRange(text);
                    return;
                }

                destination.AddRange(text[..at]);
                destination.AddRange(content);
                text = text[(at + pattern.Length)..];
            }
        }
    }

    /// <summary><c>Replace</c> of the regex <c>" {n,}"</c>: every run of at least n spaces.</summary>
    public sealed class ReplaceSpaceRuns(int minimumRun, string content) : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> text, ref PooledBuffer<char> destination)
        {
            for (var i = 0; i < text.Length;)
            {
                if (text[i] != ' ')
                {
                    destination.Add(text[i++]);
                    continue;
                }

                var run = 1;
                while (i + run < text.Length && text[i + run] == ' ')
                {
                    run++;
                }

                if (run >= minimumRun)
                {
                    destination.AddRange(content);
                }
                else
                {
                    destination.AddRange(text.Slice(i, run));
                }

                i += run;
            }
        }
    }
}
