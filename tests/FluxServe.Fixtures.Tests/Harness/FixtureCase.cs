using System.Text.Json;
using FluxServe.Engine;

namespace FluxServe.Fixtures.Tests.Harness;

/// <summary>
/// One entry of a folder's <c>cases.json</c> with accessors for what runners need: arguments, input and expected
/// tensors (by the names the case maps them to), tolerance, and paths relative to the folder.
/// </summary>
public sealed class FixtureCase
{
    internal FixtureCase(FixtureFolder folder, string name, JsonElement json)
    {
        Folder = folder;
        Name = name;
        Json = json;
    }

    /// <summary>The folder this case belongs to.</summary>
    public FixtureFolder Folder { get; }

    /// <summary>The case name (unique within the folder).</summary>
    public string Name { get; }

    /// <summary>The whole case object.</summary>
    public JsonElement Json { get; }

    /// <summary>The reference call this case records (<c>function</c>), or empty.</summary>
    public string Function => Json.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "";

    /// <summary><c>arguments</c> (non-tensor arguments), or an empty object.</summary>
    public JsonElement Arguments => Member("arguments");

    /// <summary><c>inputs</c>: argument name → tensor name, or an empty object.</summary>
    public JsonElement Inputs => Member("inputs");

    /// <summary><c>outputs</c>: output name → tensor name, list of names, or {name: tensor}.</summary>
    public JsonElement Outputs => Member("outputs");

    /// <summary><c>intermediates</c>, or an empty object.</summary>
    public JsonElement Intermediates => Member("intermediates");

    /// <summary>The case's top-level <c>tolerance</c> (<c>{rtol, atol_rel_to_max_abs}</c>).</summary>
    public FixtureTolerance Tolerance => FixtureTolerance.FromJson(Member("tolerance"), $"{this} tolerance");

    /// <summary>A named group inside <c>tolerance</c> (pipelines: <c>"latents/preds/latent_unpacked/decoded"</c>).</summary>
    public FixtureTolerance ToleranceFor(string group) =>
        FixtureTolerance.FromJson(Member("tolerance").GetProperty(group), $"{this} tolerance[\"{group}\"]");

    /// <summary>True when <c>arguments</c> has <paramref name="name"/>.</summary>
    public bool HasArgument(string name) => Arguments.TryGetProperty(name, out _);

    /// <summary>The argument <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The case has no such argument.</exception>
    public JsonElement Argument(string name) => Arguments.TryGetProperty(name, out var value)
        ? value
        : throw new KeyNotFoundException($"{this} has no argument '{name}'.");

    /// <summary>An integer-array argument such as a shape.</summary>
    public int[] IntArrayArgument(string name) => ToIntArray(Argument(name));

    /// <summary>A JSON array of integers as <c>int[]</c>.</summary>
    public static int[] ToIntArray(JsonElement array)
    {
        var result = new int[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            result[i++] = item.GetInt32();
        }

        return result;
    }

    /// <summary>A tensor of the folder's tensor file by its stored name (caller disposes; read-only memory).</summary>
    public Tensor Tensor(string tensorName) => Folder.Tensors.GetTensor(tensorName);

    /// <summary>The input tensor of argument <paramref name="argument"/> (via <c>inputs</c>).</summary>
    public Tensor Input(string argument) => Inputs.TryGetProperty(argument, out var n) && n.ValueKind == JsonValueKind.String
        ? Tensor(n.GetString()!)
        : throw new KeyNotFoundException($"{this} has no tensor input '{argument}'.");

    /// <summary>The tensor name of output <paramref name="output"/> when it is a single name.</summary>
    public string OutputName(string output) => Outputs.TryGetProperty(output, out var n) && n.ValueKind == JsonValueKind.String
        ? n.GetString()!
        : throw new KeyNotFoundException($"{this} has no single-tensor output '{output}'.");

    /// <summary>A path relative to the fixture folder.</summary>
    public string ResolvePath(string relative) => Folder.ResolvePath(relative);

    /// <inheritdoc />
    public override string ToString() => $"{Folder.Name}/{Name}";

    private JsonElement Member(string name)
    {
        if (Json.TryGetProperty(name, out var value))
        {
            return value;
        }

        using var empty = JsonDocument.Parse("{}");
        return empty.RootElement.Clone();
    }
}
