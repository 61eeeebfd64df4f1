using FluxServe.Pipelines.Noise;

namespace FluxServe.Pipelines.Tests.Noise;

/// <summary>The generator's word stream against the C++ standard's mt19937 and against a textbook scalar version.</summary>
public sealed class MersenneTwister19937Tests
{
    [Fact]
    public void Matches_the_CPlusPlus_standard_check_value()
    {
        // [rand.predef]: the 10000th consecutive invocation of a default-constructed std::mt19937 (seed 5489)
        // produces 4123659995.
        var engine = new MersenneTwister19937(5489);
        Assert.Equal(3499211612u, engine.NextUInt32());
        for (int i = 2; i < 10000; i++)
        {
            engine.NextUInt32();
        }

        Assert.Equal(4123659995u, engine.NextUInt32());
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(42UL)]
    [InlineData(4294967303UL)]
    public void Matches_a_textbook_scalar_implementation(ulong seed)
    {
        var engine = new MersenneTwister19937(seed);
        var textbook = new TextbookMt19937((uint)seed);
        for (int i = 0; i < 3 * 624 + 5; i++)
        {
            Assert.Equal(textbook.Next(), engine.NextUInt32());
        }
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 623)]
    [InlineData(5, 624)]
    [InlineData(623, 1)]
    [InlineData(100, 5000)]
    [InlineData(7, 13)]
    public void Bulk_uniforms_equal_word_by_word_uniforms(int skip, int count)
    {
        var bulk = new MersenneTwister19937(77);
        var single = new MersenneTwister19937(77);
        for (int i = 0; i < skip; i++)
        {
            bulk.NextUInt32();
            single.NextUInt32();
        }

        float[] uniforms = new float[count];
        bulk.FillUniformSingle(uniforms);
        for (int i = 0; i < count; i++)
        {
            float expected = (single.NextUInt32() & 0xFFFFFF) / 16777216f;
            Assert.Equal(expected, uniforms[i]);
        }

        Assert.Equal(single.NextUInt32(), bulk.NextUInt32()); // same position afterwards
    }

    [Fact]
    public void NextUInt64_puts_the_first_word_high()
    {
        var a = new MersenneTwister19937(9);
        var b = new MersenneTwister19937(9);
        ulong high = b.NextUInt32();
        ulong low = b.NextUInt32();
        Assert.Equal((high << 32) | low, a.NextUInt64());
    }

    /// <summary>Matsumoto and Nishimura's reference algorithm, one word at a time, no vectors.</summary>
    private sealed class TextbookMt19937
    {
        private readonly uint[] _mt = new uint[624];
        private int _index;

        public TextbookMt19937(uint seed)
        {
            _mt[0] = seed;
            for (int i = 1; i < 624; i++)
            {
                _mt[i] = (1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30))) + (uint)i;
            }

            _index = 624;
        }

        public uint Next()
        {
            if (_index >= 624)
            {
                for (int k = 0; k < 624; k++)
                {
                    uint y = (_mt[k] & 0x80000000u) | (_mt[(k + 1) % 624] & 0x7fffffffu);
                    _mt[k] = _mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
                }

                _index = 0;
            }

            uint x = _mt[_index++];
            x ^= x >> 11;
            x ^= (x << 7) & 0x9d2c5680u;
            x ^= (x << 15) & 0xefc60000u;
            return x ^ (x >> 18);
        }
    }
}
