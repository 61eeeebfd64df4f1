namespace FluxServe.Pipelines.Sampling;

/// <summary>
/// NumPy's <c>numpy.random.SeedSequence</c> (numpy ≥ 1.19, <c>bit_generator.pyx</c>): entropy and a spawn key hashed
/// into a pool of 32-bit words, from which <see cref="GenerateState"/> draws seeds. torchsde derives every Brownian
/// tree node's seeds with it, so it must match bit for bit (checked against NumPy 1.24 in the tests).
/// </summary>
internal sealed class SeedSequence
{
    private const uint InitA = 0x43b0d7e5;
    private const uint MultA = 0x931e8875;
    private const uint InitB = 0x8b51f9dd;
    private const uint MultB = 0x58f38ded;
    private const uint MixMultL = 0xca01f9dd;
    private const uint MixMultR = 0x4973f715;
    private const int XShift = 16;

    private readonly uint[] _pool;

    /// <summary><c>SeedSequence(entropy, spawn_key=spawnKey, pool_size=poolSize)</c>.</summary>
    public SeedSequence(ulong entropy, ReadOnlySpan<ulong> spawnKey = default, int poolSize = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 4);
        _pool = new uint[poolSize];
        MixEntropy(_pool, AssembleEntropy(entropy, spawnKey, poolSize));
    }

    /// <summary><c>generate_state(words)</c> as uint32 words.</summary>
    public uint[] GenerateState(int words)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(words);
        var state = new uint[words];
        uint hashConst = InitB;
        for (int i = 0; i < words; i++)
        {
            uint value = _pool[i % _pool.Length];
            value ^= hashConst;
            hashConst = unchecked(hashConst * MultB);
            value = unchecked(value * hashConst);
            value ^= value >> XShift;
            state[i] = value;
        }

        return state;
    }

    private static List<uint> AssembleEntropy(ulong entropy, ReadOnlySpan<ulong> spawnKey, int poolSize)
    {
        var words = new List<uint>();
        AppendWords(words, entropy);
        if (!spawnKey.IsEmpty)
        {
            // numpy ≥ 1.19 (gh-16539): pad the run entropy to the pool size when a spawn key follows.
            while (words.Count < poolSize)
            {
                words.Add(0);
            }

            foreach (ulong key in spawnKey)
            {
                AppendWords(words, key);
            }
        }

        return words;
    }

    /// <summary><c>_int_to_uint32_array</c>: little-endian 32-bit words, one zero word for 0.</summary>
    private static void AppendWords(List<uint> words, ulong value)
    {
        if (value == 0)
        {
            words.Add(0);
            return;
        }

        while (value > 0)
        {
            words.Add((uint)value);
            value >>= 32;
        }
    }

    private static void MixEntropy(uint[] mixer, List<uint> entropy)
    {
        uint hashConst = InitA;
        for (int i = 0; i < mixer.Length; i++)
        {
            mixer[i] = HashMix(i < entropy.Count ? entropy[i] : 0u, ref hashConst);
        }

        for (int src = 0; src < mixer.Length; src++)
        {
            for (int dst = 0; dst < mixer.Length; dst++)
            {
                if (src != dst)
                {
                    mixer[dst] = Mix(mixer[dst], HashMix(mixer[src], ref hashConst));
                }
            }
        }

        for (int src = mixer.Length; src < entropy.Count; src++)
        {
            for (int dst = 0; dst < mixer.Length; dst++)
            {
                mixer[dst] = Mix(mixer[dst], HashMix(entropy[src], ref hashConst));
            }
        }
    }

    private static uint HashMix(uint value, ref uint hashConst)
    {
        value ^= hashConst;
        hashConst = unchecked(hashConst * MultA);
        value = unchecked(value * hashConst);
        value ^= value >> XShift;
        return value;
    }

    private static uint Mix(uint x, uint y)
    {
        uint result = unchecked((MixMultL * x) - (MixMultR * y));
        result ^= result >> XShift;
        return result;
    }
}
