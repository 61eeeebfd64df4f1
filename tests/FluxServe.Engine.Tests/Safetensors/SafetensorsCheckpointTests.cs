using System.Text.Json;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Engine.Tests.Safetensors;

public sealed class SafetensorsCheckpointTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Writes a shard whose tensor <c>name</c> holds F32 values derived from its name, and returns its values.</summary>
    private void WriteShard(string file, params string[] names)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (string name in names)
        {
            tensors.Add(new(name, Tensor.FromArray(ValuesOf(name), 2, 2)));
        }

        SafetensorsWriter.Write(_folder.File(file), tensors);
        tensors.ForEach(t => t.Value.Dispose());
    }

    private static float[] ValuesOf(string name)
    {
        float h = name.Length + (name[^1] * 0.5f);
        return [h, h + 1, -h, h * 2];
    }

    private string WriteIndex(string file, IEnumerable<(string Name, string Shard)> map, string? rawWeightMap = null)
    {
        string weightMap = rawWeightMap
            ?? "{" + string.Join(",", map.Select(m => JsonSerializer.Serialize(m.Name) + ":" + JsonSerializer.Serialize(m.Shard))) + "}";
        string path = _folder.File(file);
        File.WriteAllText(path, "{\"metadata\":{\"total_size\":48},\"weight_map\":" + weightMap + "}");
        return path;
    }

    private static void AssertTensor(SafetensorsCheckpoint checkpoint, string name)
    {
        using var t = checkpoint.GetTensor(name);
        Assert.Equal([2, 2], t.Shape.ToArray());
        Assert.Equal(ValuesOf(name), t.ToArray<float>());
    }

    private static SafetensorsException AssertRejected(string path, string mentions, string? tensor)
    {
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(path).Dispose());
        Assert.Contains(mentions, ex.Message, StringComparison.Ordinal);
        Assert.Contains(ex.FilePath, ex.Message, StringComparison.Ordinal);
        Assert.NotEmpty(ex.FilePath);
        Assert.Equal(tensor, ex.TensorName);
        if (tensor is not null)
        {
            Assert.Contains($"'{tensor}'", ex.Message, StringComparison.Ordinal);
        }

        return ex;
    }

    private string WriteShardedCheckpoint()
    {
        WriteShard("model-00001-of-00002.safetensors", "blocks.0.w", "blocks.0.b");
        WriteShard("model-00002-of-00002.safetensors", "blocks.1.w", "final.w");
        return WriteIndex(
            "model.safetensors.index.json",
            [("blocks.0.w", "model-00001-of-00002.safetensors"), ("blocks.0.b", "model-00001-of-00002.safetensors"),
             ("blocks.1.w", "model-00002-of-00002.safetensors"), ("final.w", "model-00002-of-00002.safetensors")]);
    }

    [Fact]
    public void Sharded_folder_opens_through_its_index_from_the_folder_or_the_index()
    {
        string index = WriteShardedCheckpoint();
        foreach (string path in new[] { _folder.Path, index })
        {
            using var checkpoint = SafetensorsCheckpoint.Open(path);
            Assert.Equal(index, checkpoint.SourcePath);
            Assert.Equal(2, checkpoint.Files.Count);
            Assert.Equal(["blocks.0.b", "blocks.0.w", "blocks.1.w", "final.w"], checkpoint.Names.Order(StringComparer.Ordinal));
            Assert.Equal(_folder.File("model-00002-of-00002.safetensors"), checkpoint.FileOf("final.w"));
            Assert.Equal(_folder.File("model-00001-of-00002.safetensors"), checkpoint.FileOf("blocks.0.b"));
            Assert.Equal(DType.F32, checkpoint.GetEntry("blocks.1.w").DType);
            foreach (string name in checkpoint.Names)
            {
                AssertTensor(checkpoint, name);
            }

            Assert.True(checkpoint.Contains("final.w"));
            Assert.False(checkpoint.Contains("final.b"));
            var ex = Assert.Throws<SafetensorsException>(() => checkpoint.GetTensor("final.b"));
            Assert.Equal("final.b", ex.TensorName);
            Assert.Contains(index, ex.Message, StringComparison.Ordinal);
            Assert.Contains("'final.b'", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Single_file_and_folder_of_files_without_index()
    {
        WriteShard("a.safetensors", "x", "y");
        using (var single = SafetensorsCheckpoint.Open(_folder.File("a.safetensors")))
        {
            Assert.Equal(2, single.Names.Count);
            AssertTensor(single, "y");
        }

        WriteShard("b.safetensors", "z");
        using var folder = SafetensorsCheckpoint.Open(_folder.Path);
        Assert.Equal(3, folder.Names.Count);
        Assert.Equal(_folder.File("b.safetensors"), folder.FileOf("z"));
        AssertTensor(folder, "x");
        AssertTensor(folder, "z");
    }

    [Fact]
    public void Folder_files_sharing_a_name_are_rejected()
    {
        WriteShard("a.safetensors", "x", "y");
        WriteShard("b.safetensors", "y");
        var ex = AssertRejected(_folder.Path, "is in both", "y");
        Assert.Contains(_folder.File("a.safetensors"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(_folder.File("b.safetensors"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_folder_and_missing_path_are_rejected()
    {
        AssertRejected(_folder.Path, "holds no *.safetensors", null);
        AssertRejected(_folder.File("missing"), "does not exist", null);
    }

    [Fact]
    public void Index_with_missing_shard_file()
    {
        WriteShard("s1.safetensors", "a");
        string index = WriteIndex("m.safetensors.index.json", [("a", "s1.safetensors"), ("b", "s2.safetensors")]);
        var ex = AssertRejected(index, "does not exist", "b");
        Assert.Contains("s2.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Index_lists_a_name_its_shard_lacks()
    {
        WriteShard("s1.safetensors", "a");
        WriteShard("s2.safetensors", "b");
        string index = WriteIndex("m.safetensors.index.json", [("a", "s1.safetensors"), ("b", "s2.safetensors"), ("c", "s2.safetensors")]);
        var ex = AssertRejected(index, "which does not hold it", "c");
        Assert.Equal(_folder.File("s2.safetensors"), ex.FilePath);
    }

    [Fact]
    public void Index_points_at_the_wrong_shard()
    {
        WriteShard("s1.safetensors", "a", "c");
        WriteShard("s2.safetensors", "b");
        string index = WriteIndex("m.safetensors.index.json", [("a", "s1.safetensors"), ("b", "s2.safetensors"), ("c", "s2.safetensors")]);
        AssertRejected(index, "but it is in shard", "c");
    }

    [Fact]
    public void Same_name_in_two_shards()
    {
        WriteShard("s1.safetensors", "a", "b");
        WriteShard("s2.safetensors", "b");
        string index = WriteIndex("m.safetensors.index.json", [("a", "s1.safetensors"), ("b", "s2.safetensors")]);
        AssertRejected(index, "is in both shards", "b");
    }

    [Fact]
    public void Same_name_twice_in_the_index()
    {
        WriteShard("s1.safetensors", "a");
        WriteShard("s2.safetensors", "b");
        string index = WriteIndex("m.safetensors.index.json", [], """{"a":"s1.safetensors","b":"s2.safetensors","a":"s2.safetensors"}""");
        AssertRejected(index, "more than once", "a");
    }

    [Fact]
    public void Shard_tensor_missing_from_the_index()
    {
        WriteShard("s1.safetensors", "a", "extra");
        string index = WriteIndex("m.safetensors.index.json", [("a", "s1.safetensors")]);
        AssertRejected(index, "does not list", "extra");
    }

    [Fact]
    public void Shard_outside_the_index_folder()
    {
        string index = WriteIndex("m.safetensors.index.json", [("a", "../elsewhere.safetensors")]);
        AssertRejected(index, "outside its own folder", "a");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"metadata":{}}""")]
    [InlineData("""{"weight_map":[]}""")]
    [InlineData("""{"weight_map":{"a":3}}""")]
    public void Malformed_index(string content)
    {
        string path = _folder.File("bad.safetensors.index.json");
        File.WriteAllText(path, content);
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(path).Dispose());
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_with_two_indexes_is_ambiguous()
    {
        WriteShard("s1.safetensors", "a");
        WriteIndex("one.safetensors.index.json", [("a", "s1.safetensors")]);
        WriteIndex("two.safetensors.index.json", [("a", "s1.safetensors")]);
        AssertRejected(_folder.Path, "holds 2 safetensors indexes", null);
    }

    [Fact]
    public void Malformed_shard_propagates_the_file_error()
    {
        _folder.WriteRaw("s1.safetensors", "[]");
        string index = WriteIndex("m.safetensors.index.json", [("a", "s1.safetensors")]);
        var ex = AssertRejected(index, "expected an object", null);
        Assert.Equal(_folder.File("s1.safetensors"), ex.FilePath);
    }
}
