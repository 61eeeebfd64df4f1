using System.Collections.Concurrent;

namespace FluxServe.Pipelines.Text;

/// <summary>
/// A bounded, thread-safe word → ids cache, looked up by span so a hit allocates nothing. Like HF
/// <c>tokenizers</c>' cache it stops taking new words once full (the common words of a workload arrive first).
/// </summary>
internal sealed class TokenCache
{
    /// <summary>HF <c>tokenizers</c>' default cache capacity.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _capacity;
    private int _count;

    public TokenCache(int capacity = DefaultCapacity)
    {
        _capacity = capacity;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _lookup.TryGetValue(word, out ids!);

    /// <summary>Caches a copy of <paramref name="ids"/> for <paramref name="word"/> unless the cache is full (then
    /// nothing is allocated).</summary>
    public void Add(ReadOnlySpan<char> word, ReadOnlySpan<int> ids)
    {
        if (_capacity <= 0 || Volatile.Read(ref _count) >= _capacity)
        {
            return;
        }

        if (_lookup.TryAdd(word, ids.ToArray()))
        {
            Interlocked.Increment(ref _count);
        }
    }
}
