using FluxServe.Pipelines.Sampling;

namespace FluxServe.Pipelines.Tests.Sampling;

/// <summary><see cref="SeedSequence"/> against NumPy 1.24's <c>SeedSequence(entropy, spawn_key, pool_size).generate_state(n)</c>.</summary>
public sealed class SeedSequenceTests
{
    public static TheoryData<ulong, ulong[], int, uint[]> NumpyStates => new()
    {
        { 42UL, [], 24, [387750627u, 2536650517u, 4078839648u] },
        { 42UL, [0, 0], 24, [2102017995u, 2891809698u, 2144110403u, 379559146u] },
        { 42UL, [1, 1], 24, [1058881542u, 1039740124u, 2218853409u, 2234354429u] },
        { 42UL, [5, 3], 24, [3084123560u, 468215949u, 242942938u, 2650128260u] },
        { (1UL << 40) + 7, [0, 0], 24, [3031313268u, 2012473695u, 896754726u, 2074090949u] },
        { 0UL, [], 4, [2968811710u, 3677149159u, 745650761u, 2884920346u] },
        { 12345UL, [17, 5], 8, [2084925770u, 3568178508u, 2901124340u, 2619682410u] },
        { ulong.MaxValue, [(1UL << 33) + 1, 40], 24, [3561550704u, 159634274u, 1504321185u, 1375720397u] },
    };

    [Theory]
    [MemberData(nameof(NumpyStates))]
    public void GenerateState_matches_numpy(ulong entropy, ulong[] spawnKey, int poolSize, uint[] expected) =>
        Assert.Equal(expected, new SeedSequence(entropy, spawnKey, poolSize).GenerateState(expected.Length));

    [Fact]
    public void Longer_state_cycles_the_pool_with_a_running_hash()
    {
        uint[] three = new SeedSequence(42, poolSize: 24).GenerateState(3);
        uint[] thirty = new SeedSequence(42, poolSize: 24).GenerateState(30);
        Assert.Equal(three, thirty[..3]);
        Assert.NotEqual(thirty[0], thirty[24]);
    }
}
