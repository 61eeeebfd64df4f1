using System.Text.Json;
using FluxServe.Engine;
using FluxServe.Fixtures.Tests.Harness;
using FluxServe.Pipelines.Noise;
using Xunit.Sdk;

namespace FluxServe.Fixtures.Tests.Runners;

/// <summary>
/// <c>torch-randn</c>: PyTorch's CPU <c>manual_seed(seed); randn(shape)</c>, bit for bit, for every output variant
/// a case lists (one per PyTorch kernel). The case kind is read from its arguments: <c>shape</c> (one draw),
/// <c>shapes</c> (successive draws from one generator), <c>num_samples/height/width</c> (BFL <c>get_noise</c>);
/// <c>dtype</c> is float32 unless given.
/// </summary>
public sealed class TorchRandnRunner : IFixtureRunner
{
    /// <inheritdoc />
    public string? SkipReason(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        return fixtureCase.HasArgument("dtype") && !TryParseDType(fixtureCase.Argument("dtype").GetString(), out _)
            ? $"randn of dtype '{fixtureCase.Argument("dtype").GetString()}' is not implemented (float32 and bfloat16 are)"
            : null;
    }

    /// <inheritdoc />
    public void Run(FixtureCase fixtureCase)
    {
        ArgumentNullException.ThrowIfNull(fixtureCase);
        if (fixtureCase.Outputs.ValueKind != JsonValueKind.Object || !fixtureCase.Outputs.EnumerateObject().Any())
        {
            throw new XunitException($"{fixtureCase}: no outputs to compare.");
        }

        foreach (var variant in fixtureCase.Outputs.EnumerateObject())
        {
            var kernel = KernelFor(variant.Name, fixtureCase);
            var expectedNames = variant.Value.ValueKind == JsonValueKind.Array
                ? variant.Value.EnumerateArray().Select(e => e.GetString()!).ToList()
                : [variant.Value.GetString()!];
            var actual = Draw(fixtureCase, kernel);
            try
            {
                if (actual.Count != expectedNames.Count)
                {
                    throw new XunitException($"{fixtureCase} [{variant.Name}]: {actual.Count} draws for {expectedNames.Count} expected tensors.");
                }

                for (int i = 0; i < actual.Count; i++)
                {
                    using var expected = fixtureCase.Tensor(expectedNames[i]);
                    FixtureAssert.BitExact(expected, actual[i], $"{fixtureCase} [{variant.Name}] {expectedNames[i]}");
                }
            }
            finally
            {
                foreach (var tensor in actual)
                {
                    tensor.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// The kernel that reproduces an output variant. PyTorch's AVX-512 build compiles the scalar kernel (the AVX2
    /// one is guarded by <c>CPU_CAPABILITY_AVX2</c>), so <c>avx512</c> maps to <see cref="RandnKernel.Default"/>.
    /// </summary>
    private static RandnKernel KernelFor(string variant, FixtureCase fixtureCase) => variant switch
    {
        "avx2" => RandnKernel.Avx2,
        "default" or "avx512" => RandnKernel.Default,
        _ => throw new XunitException($"{fixtureCase}: output variant '{variant}' names no known PyTorch CPU kernel (avx2, default, avx512)."),
    };

    private static List<Tensor> Draw(FixtureCase fixtureCase, RandnKernel kernel)
    {
        ulong seed = ReadSeed(fixtureCase.Argument("seed"));
        var dtype = DType.F32;
        if (fixtureCase.HasArgument("dtype") && !TryParseDType(fixtureCase.Argument("dtype").GetString(), out dtype))
        {
            throw new XunitException($"{fixtureCase}: unsupported dtype {fixtureCase.Argument("dtype")}.");
        }

        if (fixtureCase.HasArgument("shapes"))
        {
            var generator = new TorchGenerator(seed, kernel);
            var draws = new List<Tensor>();
            foreach (var shape in fixtureCase.Argument("shapes").EnumerateArray())
            {
                draws.Add(generator.Randn(FixtureCase.ToIntArray(shape), dtype));
            }

            return draws;
        }

        if (fixtureCase.HasArgument("num_samples"))
        {
            return
            [
                BflNoise.GetNoise(
                    fixtureCase.Argument("num_samples").GetInt32(),
                    fixtureCase.Argument("height").GetInt32(),
                    fixtureCase.Argument("width").GetInt32(),
                    seed,
                    dtype,
                    kernel),
            ];
        }

        return [new TorchGenerator(seed, kernel).Randn(fixtureCase.IntArrayArgument("shape"), dtype)];
    }

    /// <summary>torch.manual_seed accepts −2⁶³ … 2⁶⁴−1; negatives wrap to 2⁶⁴ + seed.</summary>
    private static ulong ReadSeed(JsonElement seed) =>
        seed.TryGetUInt64(out ulong value) ? value : unchecked((ulong)seed.GetInt64());

    private static bool TryParseDType(string? name, out DType dtype)
    {
        switch (name)
        {
            case "float32" or "torch.float32" or "float":
                dtype = DType.F32;
                return true;
            case "bfloat16" or "torch.bfloat16":
                dtype = DType.BF16;
                return true;
            default:
                dtype = default;
                return false;
        }
    }
}
