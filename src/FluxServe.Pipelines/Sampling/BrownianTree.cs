using FluxServe.Pipelines.Noise;

namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// A port of torchsde's <c>BrownianTree</c> (google-research/torchsde <c>_brownian/brownian_interval.py</c>,
/// <c>BrownianInterval</c> with <c>halfway_tree=True</c>, <c>tol=1e-6</c>, <c>pool_size=24</c>, no Lévy area) as
/// ComfyUI's SDE samplers use it (spec/sampling.md §5): W over [t₀, t₁] is <c>randn·√(t₁ − t₀)</c>; any query
/// interval is located in a binary tree of dyadic halvings (end points rounded to 6 decimals) and each child's
/// increment is the Brownian bridge <c>W_left = (l/h)·W + √(l·r/h)·ε</c> with ε a PyTorch CPU <c>randn</c> from a seed
/// that NumPy's <see cref="SeedSequence"/> derives from (entropy, node key, depth). Every operation keeps the
/// reference's float32/float64 split, so the increments match torchsde on a CPU.
/// </summary>
/// <remarks>
/// Results do not depend on the cache (a dropped increment is recomputed identically); the cache only bounds the
/// recomputation. Not thread-safe.
/// </remarks>
internal sealed class BrownianTree
{
    private const int PoolSize = 24;
    private const int CacheCapacity = 32;
    private const int MaxDepth = 256;

    private readonly int _length;
    private readonly ulong _entropy;
    private readonly Node _top;
    private readonly LinkedList<Node> _cacheOrder = new();
    private readonly Stack<float[]> _free = new();
    private int _capacity = CacheCapacity;
    private Node _last;

    /// <summary>A tree over [<paramref name="t0"/>, <paramref name="t1"/>] of latents with <paramref name="length"/> elements.</summary>
    public BrownianTree(double t0, double t1, int length, ulong entropy)
    {
        if (!(t0 <= t1))
        {
            throw new ArgumentException($"Initial time {t0} should be less than terminal time {t1}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        _length = length;
        _entropy = entropy;
        _top = new Node(TorchFloat32.RoundToMicro(t0), TorchFloat32.RoundToMicro(t1), parent: null, isLeft: false);

        uint[] seeds = new SeedSequence(entropy, poolSize: PoolSize).GenerateState(3);
        var w = new float[length];
        new TorchGenerator(seeds[0]).Randn(w);
        float scale = (float)Math.Sqrt(t1 - t0);
        for (int i = 0; i < w.Length; i++)
        {
            w[i] *= scale;
        }

        _top.Increment = w;
        _last = _top;
    }

    /// <summary>The (rounded) left end of the tree.</summary>
    public double Start => _top.Start;

    /// <summary>The (rounded) right end of the tree.</summary>
    public double End => _top.End;

    /// <summary>How many query end points fell outside the tree and were clamped (torchsde warns).</summary>
    public int ClampedQueries { get; private set; }

    /// <summary><c>W(tb) − W(ta)</c> into <paramref name="destination"/> (torchsde <c>BrownianInterval.__call__(ta, tb)</c>).</summary>
    public void Increment(double ta, double tb, Span<float> destination)
    {
        if (destination.Length != _length)
        {
            throw new ArgumentException("The destination must have the tree's latent length.", nameof(destination));
        }

        if (ta < _top.Start)
        {
            ClampedQueries++;
            ta = _top.Start;
        }

        if (tb < _top.Start)
        {
            ClampedQueries++;
            tb = _top.Start;
        }

        if (ta > _top.End)
        {
            ClampedQueries++;
            ta = _top.End;
        }

        if (tb > _top.End)
        {
            ClampedQueries++;
            tb = _top.End;
        }

        if (ta > tb)
        {
            throw new ArgumentException($"Query times ta={ta} and tb={tb} must respect ta <= tb.");
        }

        if (ta == tb)
        {
            destination.Clear();
            return;
        }

        var intervals = new List<Node>(2);
        Locate(_last, TorchFloat32.RoundToMicro(ta), TorchFloat32.RoundToMicro(tb), intervals, 0);
        _last = intervals[^1];
        IncrementOf(intervals[0]).CopyTo(destination);
        for (int k = 1; k < intervals.Count; k++)
        {
            float[] more = IncrementOf(intervals[k]);
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] += more[i];
            }
        }
    }

    private void Locate(Node node, double ta, double tb, List<Node> output, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"The Brownian tree search for [{ta}, {tb}] did not terminate.");
        }

        if (ta < node.Start || tb > node.End)
        {
            Locate(node.Parent ?? throw new InvalidOperationException($"[{ta}, {tb}] lies outside the Brownian tree."), ta, tb, output, depth + 1);
            return;
        }

        if (ta == node.Start && tb == node.End)
        {
            output.Add(node);
            return;
        }

        if (node.Midway is not double midway)
        {
            if (ta == node.Start)
            {
                Split(node, tb, 0);
                Locate(node.Left!, ta, tb, output, depth + 1);
                return;
            }

            Split(node, ta, 0);
            Locate(node.Right!, ta, tb, output, depth + 1);
            return;
        }

        if (tb <= midway)
        {
            Locate(node.Left!, ta, tb, output, depth + 1);
            return;
        }

        if (ta >= midway)
        {
            Locate(node.Right!, ta, tb, output, depth + 1);
            return;
        }

        Locate(node.Left!, ta, midway, output, depth + 1);
        Locate(node.Right!, midway, tb, output, depth + 1);
    }

    /// <summary>Halving splits (<c>halfway_tree</c>) until a split point equals <paramref name="target"/>.</summary>
    private void Split(Node node, double target, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"The Brownian tree could not split at {target}.");
        }

        double rawMidway = 0.5 * (node.End + node.Start);
        SplitExact(node, rawMidway);
        double midway = node.Midway!.Value;
        if (target > midway)
        {
            Split(node.Right!, target, depth + 1);
        }
        else if (target < midway)
        {
            Split(node.Left!, target, depth + 1);
        }
    }

    private void SplitExact(Node node, double rawMidway)
    {
        double midway = TorchFloat32.RoundToMicro(rawMidway);
        node.Midway = midway;
        if (node.Parent is { } parent)
        {
            node.SpawnKey = (2 * parent.SpawnKey) + (node.IsLeft ? 0UL : 1UL);
            node.Depth = parent.Depth + 1;
        }

        uint[] seeds = new SeedSequence(_entropy, [node.SpawnKey, (ulong)node.Depth], PoolSize).GenerateState(4);
        node.WSeed = seeds[0];
        node.Left = new Node(node.Start, midway, node, isLeft: true);
        node.Right = new Node(midway, node.End, node, isLeft: false);
    }

    /// <summary>
    /// The increment over a node's interval, from its parent's by the Brownian bridge (float32 as torchsde). The
    /// uncached ancestors are resolved top-down; their normals (a full-latent <c>randn</c> each, the expensive part,
    /// independent streams) are drawn in parallel first.
    /// </summary>
    private float[] IncrementOf(Node node)
    {
        if (node.Increment is { } cached)
        {
            return cached;
        }

        var chain = new List<Node>();
        for (Node? n = node; n is not null && n.Increment is null; n = n.Parent)
        {
            chain.Add(n);
        }

        chain.Reverse();

        // The cache must hold a whole chain while it is resolved (children read their parent's increment).
        _capacity = Math.Max(_capacity, chain.Count + 2);
        var normals = new float[chain.Count][];
        for (int k = 0; k < chain.Count; k++)
        {
            normals[k] = Rent();
        }

        Parallel.For(0, chain.Count, k => new TorchGenerator(chain[k].Parent!.WSeed).Randn(normals[k]));
        foreach ((Node child, float[] noise) in chain.Zip(normals))
        {
            Bridge(child, noise);
        }

        return node.Increment!;
    }

    /// <summary>W_left = (l/h)·W + √(l·r/h)·ε; W_right = W − W_left (into <paramref name="noise"/>, which becomes the increment).</summary>
    private void Bridge(Node node, float[] noise)
    {
        Node parent = node.Parent!;
        float[] parentW = parent.Increment!;
        double hReciprocal = 1 / (parent.End - parent.Start);
        double midway = parent.Midway!.Value;
        double leftDiff = midway - parent.Start;
        double rightDiff = parent.End - midway;
        float fLeft = (float)leftDiff;
        float fH = (float)hReciprocal;
        float deviation = (float)Math.Sqrt(leftDiff * rightDiff * hReciprocal);
        bool isLeft = node.IsLeft;
        for (int i = 0; i < noise.Length; i++)
        {
            float mean = fLeft * parentW[i] * fH;
            float left = mean + (deviation * noise[i]);
            noise[i] = isLeft ? left : parentW[i] - left;
        }

        Remember(node, noise);
    }

    private float[] Rent() => _free.Count > 0 ? _free.Pop() : new float[_length];

    private void Remember(Node node, float[] increment)
    {
        if (_cacheOrder.Count >= _capacity)
        {
            Node evicted = _cacheOrder.First!.Value;
            _cacheOrder.RemoveFirst();
            if (evicted.Increment is { } array)
            {
                _free.Push(array);
            }

            evicted.Increment = null;
        }

        node.Increment = increment;
        _cacheOrder.AddLast(node);
    }

    private sealed class Node(double start, double end, Node? parent, bool isLeft)
    {
        public double Start { get; } = start;

        public double End { get; } = end;

        public Node? Parent { get; } = parent;

        public bool IsLeft { get; } = isLeft;

        public double? Midway { get; set; }

        public ulong SpawnKey { get; set; }

        public int Depth { get; set; }

        public uint WSeed { get; set; }

        public Node? Left { get; set; }

        public Node? Right { get; set; }

        public float[]? Increment { get; set; }
    }
}
