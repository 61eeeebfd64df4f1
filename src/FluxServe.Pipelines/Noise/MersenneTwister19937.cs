using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FluxServe.Engine.Numerics;

namespace FluxServe.Pipelines.Noise;

/// <summary>
/// The 32-bit Mersenne Twister as PyTorch's <c>at::mt19937</c> (<c>MT19937RNGEngine.h</c>): seeded with
/// <c>init_genrand</c> from the low 32 bits of the seed, twisting all 624 words at once when they are used up
/// (spec/sampling.md §7.1). Bulk draws twist and temper with vectors.
/// </summary>
internal sealed class MersenneTwister19937
{
    private const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908B0DF;
    private const uint UpperMask = 0x80000000;
    private const uint LowerMask = 0x7FFFFFFF;

    private readonly uint[] _state = new uint[N];
    private int _next;

    /// <summary>Seeds with the low 32 bits of <paramref name="seed"/>.</summary>
    public MersenneTwister19937(ulong seed) => Seed(seed);

    private MersenneTwister19937(MersenneTwister19937 other)
    {
        other._state.CopyTo(_state, 0);
        _next = other._next;
    }

    /// <summary>Re-seeds: <c>state[0] = seed mod 2³²</c>, <c>state[j] = 1812433253·(s ^ s &gt;&gt; 30) + j</c>.</summary>
    public void Seed(ulong seed)
    {
        uint s = (uint)seed;
        _state[0] = s;
        for (int j = 1; j < N; j++)
        {
            s = (1812433253u * (s ^ (s >> 30))) + (uint)j;
            _state[j] = s;
        }

        _next = N; // the first draw twists
    }

    /// <summary>An independent copy at the same position of the stream.</summary>
    public MersenneTwister19937 Clone() => new(this);

    /// <summary>The next tempered 32-bit word (<c>random()</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32()
    {
        if (_next >= N)
        {
            Twist();
        }

        return Temper(_state[_next++]);
    }

    /// <summary><c>random64()</c>: two words, the first in the high half.</summary>
    public ulong NextUInt64()
    {
        ulong high = NextUInt32();
        return (high << 32) | NextUInt32();
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with <c>(random() &amp; 0xFFFFFF)·2⁻²⁴</c>, PyTorch's float32
    /// <c>uniform_real_distribution(0, 1)</c>, one word per element in stream order.
    /// </summary>
    public void FillUniformSingle(Span<float> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_next >= N)
            {
                Twist();
            }

            int n = Math.Min(N - _next, destination.Length);
            TemperToUniform(_state.AsSpan(_next, n), destination[..n]);
            _next += n;
            destination = destination[n..];
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the bfloat16 uniforms <c>(random() &amp; 0xFF)·2⁻⁸</c> (bits).</summary>
    public void FillUniformBFloat16(Span<ushort> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BFloat16Conversion.FromSingle((NextUInt32() & 0xFF) * (1f / 256));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Temper(uint y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        y ^= y >> 18;
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint TwistOne(uint current, uint next, uint far)
    {
        uint mixed = (current & UpperMask) | (next & LowerMask);
        return far ^ (mixed >> 1) ^ ((next & 1) != 0 ? MatrixA : 0u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> TwistVector(Vector256<uint> current, Vector256<uint> next, Vector256<uint> far)
    {
        Vector256<uint> mixed = (current & Vector256.Create(UpperMask)) | (next & Vector256.Create(LowerMask));
        Vector256<uint> odd = Vector256.Equals(next & Vector256<uint>.One, Vector256<uint>.One);
        return far ^ Vector256.ShiftRightLogical(mixed, 1) ^ (odd & Vector256.Create(MatrixA));
    }

    /// <summary>
    /// Regenerates all 624 words in place. Word i depends on the old words i, i+1 and on word i+397 (old, for
    /// i &lt; 227) or i−227 (already new): never on a word within 8 positions that this pass has rewritten, so 8
    /// words at a time are safe.
    /// </summary>
    private void Twist()
    {
        ref uint s = ref MemoryMarshal.GetArrayDataReference(_state);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= N - M; i += 8)
            {
                var v = TwistVector(
                    Vector256.LoadUnsafe(ref s, (nuint)i),
                    Vector256.LoadUnsafe(ref s, (nuint)(i + 1)),
                    Vector256.LoadUnsafe(ref s, (nuint)(i + M)));
                v.StoreUnsafe(ref s, (nuint)i);
            }
        }

        for (; i < N - M; i++)
        {
            Unsafe.Add(ref s, i) = TwistOne(Unsafe.Add(ref s, i), Unsafe.Add(ref s, i + 1), Unsafe.Add(ref s, i + M));
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= N - 1; i += 8)
            {
                var v = TwistVector(
                    Vector256.LoadUnsafe(ref s, (nuint)i),
                    Vector256.LoadUnsafe(ref s, (nuint)(i + 1)),
                    Vector256.LoadUnsafe(ref s, (nuint)(i + M - N)));
                v.StoreUnsafe(ref s, (nuint)i);
            }
        }

        for (; i < N - 1; i++)
        {
            Unsafe.Add(ref s, i) = TwistOne(Unsafe.Add(ref s, i), Unsafe.Add(ref s, i + 1), Unsafe.Add(ref s, i + M - N));
        }

        Unsafe.Add(ref s, N - 1) = TwistOne(Unsafe.Add(ref s, N - 1), s, Unsafe.Add(ref s, M - 1));
        _next = 0;
    }

    private static void TemperToUniform(ReadOnlySpan<uint> words, Span<float> destination)
    {
        const float Scale = 1f / (1 << 24);
        ref uint src = ref MemoryMarshal.GetReference(words);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= words.Length; i += 16)
            {
                Vector512<uint> y = Vector512.LoadUnsafe(ref src, (nuint)i);
                y ^= Vector512.ShiftRightLogical(y, 11);
                y ^= Vector512.ShiftLeft(y, 7) & Vector512.Create(0x9D2C5680u);
                y ^= Vector512.ShiftLeft(y, 15) & Vector512.Create(0xEFC60000u);
                y ^= Vector512.ShiftRightLogical(y, 18);
                Vector512<int> bits24 = (y & Vector512.Create(0xFFFFFFu)).AsInt32();
                (Vector512.ConvertToSingle(bits24) * Vector512.Create(Scale)).StoreUnsafe(ref dst, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= words.Length; i += 8)
            {
                Vector256<uint> y = Vector256.LoadUnsafe(ref src, (nuint)i);
                y ^= Vector256.ShiftRightLogical(y, 11);
                y ^= Vector256.ShiftLeft(y, 7) & Vector256.Create(0x9D2C5680u);
                y ^= Vector256.ShiftLeft(y, 15) & Vector256.Create(0xEFC60000u);
                y ^= Vector256.ShiftRightLogical(y, 18);
                Vector256<int> bits24 = (y & Vector256.Create(0xFFFFFFu)).AsInt32();
                (Vector256.ConvertToSingle(bits24) * Vector256.Create(Scale)).StoreUnsafe(ref dst, (nuint)i);
            }
        }

        for (; i < words.Length; i++)
        {
            Unsafe.Add(ref dst, i) = (Temper(Unsafe.Add(ref src, i)) & 0xFFFFFF) * Scale;
        }
    }
}
