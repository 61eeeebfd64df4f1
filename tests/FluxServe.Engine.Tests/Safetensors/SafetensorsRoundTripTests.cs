using System.Buffers.Binary;
using System.Text;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Engine.Tests.Safetensors;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<DType> AllDTypes()
    {
        var data = new TheoryData<DType>();
        foreach (var d in Enum.GetValues<DType>())
        {
            data.Add(d);
        }

        return data;
    }

    private static readonly int[][] Shapes = [[], [0], [1], [7], [3, 5], [2, 3, 4], [3, 0, 2], [1, 1, 1, 13]];

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Every_dtype_and_shape_round_trips_bytes_shape_and_metadata(DType dtype)
    {
        var random = new Random(1234 + (int)dtype);
        var written = new List<KeyValuePair<string, Tensor>>();
        var expected = new Dictionary<string, byte[]>();
        for (int i = 0; i < Shapes.Length; i++)
        {
            var t = Tensor.Empty(Shapes[i], dtype);
            random.NextBytes(t.AsBytes());
            written.Add(new($"t{i}.{dtype}", t));
            expected[$"t{i}.{dtype}"] = t.AsBytes().ToArray();
        }

        // A one-byte tensor first, so that data of wider types is misaligned unless the writer orders them.
        var odd = Tensor.Empty([3], DType.U8);
        random.NextBytes(odd.AsBytes());
        written.Insert(0, new("odd", odd));
        expected["odd"] = odd.AsBytes().ToArray();

        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };
        string path = _folder.File($"rt-{dtype}.safetensors");
        SafetensorsWriter.Write(path, written, metadata);
        written.ForEach(kv => kv.Value.Dispose());

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(path, file.FilePath);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(expected.Count, file.Entries.Count);
        Assert.Equal(0, file.DataStart % 8);
        for (int i = 0; i < Shapes.Length; i++)
        {
            string name = $"t{i}.{dtype}";
            var entry = file.GetEntry(name);
            Assert.Equal(dtype, entry.DType);
            Assert.Equal(dtype.SafetensorsName(), entry.StoredDType);
            Assert.False(entry.IsConverted);
            Assert.Equal(Shapes[i], entry.Shape);
            Assert.Equal(0, entry.DataBegin % dtype.SizeOf());
            using var tensor = file.GetTensor(name);
            Assert.Equal(dtype, tensor.DType);
            Assert.Equal(Shapes[i], tensor.Shape.ToArray());
            Assert.Equal(expected[name], tensor.AsBytes().ToArray());
            Assert.Equal(expected[name], file.GetBytes(name).ToArray());
        }

        Assert.Equal(expected["odd"], file.GetBytes("odd").ToArray());
    }

    [Fact]
    public void Writer_output_is_byte_identical_to_the_reference_crate_layout()
    {
        // The reference crate serialises {"attn.0": F32 [1,2,3] = 0..5} as: u64 64, this 64-byte JSON, the data.
        const string Json = """{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}""";
        using var t = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f], 1, 2, 3);
        string path = _folder.File("attn.safetensors");
        SafetensorsWriter.Write(path, [new("attn.0", t)]);
        byte[] expected = [.. LengthPrefix(64), .. Encoding.UTF8.GetBytes(Json), .. FloatBytes(0, 1, 2, 3, 4, 5)];
        Assert.Equal(expected, File.ReadAllBytes(path));

        // A 65-byte JSON is padded with 7 spaces to 72, so the data starts 8-aligned.
        const string Json2 = """{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}""";
        using var t2 = t.Reshape(1, 1, 2, 3);
        SafetensorsWriter.Write(path, [new("attn0", t2)]);
        expected = [.. LengthPrefix(72), .. Encoding.UTF8.GetBytes(Json2 + "       "), .. FloatBytes(0, 1, 2, 3, 4, 5)];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Empty_file_with_and_without_metadata_matches_the_reference_crate_and_reads_back()
    {
        string path = _folder.File("empty.safetensors");
        SafetensorsWriter.Write(path, Array.Empty<KeyValuePair<string, Tensor>>());
        Assert.Equal([.. LengthPrefix(8), .. "{}      "u8], File.ReadAllBytes(path));
        using (var file = SafetensorsFile.Open(path))
        {
            Assert.Empty(file.Entries);
            Assert.Empty(file.Metadata);
            Assert.Equal(16, file.FileLength);
        }

        SafetensorsWriter.Write(path, Array.Empty<KeyValuePair<string, Tensor>>(), new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal([.. LengthPrefix(40), .. """{"__metadata__":{"framework":"pt"}}     """u8], File.ReadAllBytes(path));
        using (var file = SafetensorsFile.Open(path))
        {
            Assert.Equal("pt", file.Metadata["framework"]);
        }
    }

    [Fact]
    public void Reads_a_hand_made_file_with_unordered_entries_padding_and_unknown_fields()
    {
        // Header order differs from data order; an extra field is ignored (as serde does); the JSON is space-padded.
        const string Json = """
            {"b":{"dtype":"I32","shape":[2],"data_offsets":[8,16],"extra":{"x":[1,2]}},
             "__metadata__":{"k":"v"},
             "a":{"data_offsets":[0,8],"shape":[2,2],"dtype":"BF16"}}
            """;
        byte[] data = [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF];
        string path = _folder.WriteRaw("hand.safetensors", Json + "    ", data);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["b", "a"], file.Entries.Select(e => e.Name));
        Assert.Equal("v", file.Metadata["k"]);
        using var b = file.GetTensor("b");
        Assert.Equal([5, -2], b.ToArray<int>());
        using var a = file.GetTensor("a");
        Assert.Equal([1, 2, 3, 4], a.ToArray<ushort>().Select(x => (int)x));
        Assert.Equal(8 + Encoding.UTF8.GetByteCount(Json) + 4, file.GetEntry("a").DataBegin);
    }

    [Fact]
    public void Stored_types_without_an_engine_dtype_are_converted_on_read()
    {
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(1.5));
        data.AddRange(BitConverter.GetBytes(-1e300));
        data.AddRange([0x80, 0x7F]);                              // I8: -128, 127
        data.AddRange(BitConverter.GetBytes((short)-300));        // I16
        data.AddRange(BitConverter.GetBytes((ushort)65535));      // U16
        data.AddRange(BitConverter.GetBytes(4000000000u));        // U32
        data.AddRange(BitConverter.GetBytes((ulong)long.MaxValue)); // U64
        const string Json = """
            {"f64":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},
             "i8":{"dtype":"I8","shape":[2],"data_offsets":[16,18]},
             "i16":{"dtype":"I16","shape":[],"data_offsets":[18,20]},
             "u16":{"dtype":"U16","shape":[1],"data_offsets":[20,22]},
             "u32":{"dtype":"U32","shape":[1],"data_offsets":[22,26]},
             "u64":{"dtype":"U64","shape":[1],"data_offsets":[26,34]}}
            """;
        string path = _folder.WriteRaw("converted.safetensors", Json, data.ToArray());
        using var file = SafetensorsFile.Open(path);
        Assert.True(file.GetEntry("f64").IsConverted);
        Assert.Equal("F64", file.GetEntry("f64").StoredDType);
        Assert.Equal(16, file.GetEntry("f64").ByteLength);
        using (var t = file.GetTensor("f64"))
        {
            Assert.Equal(DType.F32, t.DType);
            Assert.Equal([1.5f, float.NegativeInfinity], t.ToArray<float>());
        }

        using (var t = file.GetTensor("i8"))
        {
            Assert.Equal([-128, 127], t.ToArray<int>());
        }

        using (var t = file.GetTensor("i16"))
        {
            Assert.Equal(0, t.Rank);
            Assert.Equal([-300], t.ToArray<int>());
        }

        using (var t = file.GetTensor("u16"))
        {
            Assert.Equal([65535], t.ToArray<int>());
        }

        using (var t = file.GetTensor("u32"))
        {
            Assert.Equal(DType.I64, t.DType);
            Assert.Equal([4000000000L], t.ToArray<long>());
        }

        using (var t = file.GetTensor("u64"))
        {
            Assert.Equal([long.MaxValue], t.ToArray<long>());
        }
    }

    [Fact]
    public void U64_value_beyond_I64_fails_naming_file_and_tensor()
    {
        string path = _folder.WriteRaw(
            "u64.safetensors", """{"big":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}""", BitConverter.GetBytes(ulong.MaxValue));
        using var file = SafetensorsFile.Open(path);
        var ex = Assert.Throws<SafetensorsException>(() => file.GetTensor("big"));
        Assert.Equal("big", ex.TensorName);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensors_keep_the_mapping_alive_after_the_file_is_disposed()
    {
        using var source = Tensor.FromArray([1f, 2f, 3f], 3);
        string path = _folder.File("alive.safetensors");
        SafetensorsWriter.Write(path, [new("w", source)]);
        var file = SafetensorsFile.Open(path);
        var tensor = file.GetTensor("w");
        var view = tensor.Reshape(1, 3);
        file.Dispose();
        Assert.Equal([1f, 2f, 3f], tensor.ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => file.GetTensor("w"));
        tensor.Dispose();
        Assert.Equal([1f, 2f, 3f], view.ToArray<float>());
        view.Dispose();
        Assert.True(view.Storage.IsReleased);
    }

    [Fact]
    public void Zero_copy_tensor_points_into_the_file_and_allocates_no_owned_memory()
    {
        using var source = Tensor.FromArray([7f, 8f], 2);
        string path = _folder.File("zc.safetensors");
        SafetensorsWriter.Write(path, [new("w", source)]);
        using var file = SafetensorsFile.Open(path);
        using var a = file.GetTensor("w");
        using var b = file.GetTensor("w");
        Assert.Equal(a.Pointer, b.Pointer);
        Assert.Equal([7f, 8f], a.ToArray<float>());
    }

    [Fact]
    public void Streaming_writer_produces_data_on_demand_and_checks_each_length()
    {
        string path = _folder.File("stream.safetensors");
        int calls = 0;
        var sources = new[]
        {
            new SafetensorsTensorSource("ramp", DType.I32, [4, 3], s =>
            {
                calls++;
                for (int i = 0; i < 12; i++)
                {
                    s.Write(BitConverter.GetBytes(i * 10));
                }
            }),
            new SafetensorsTensorSource("flag", DType.Bool, [2], s => { calls++; s.WriteByte(1); s.WriteByte(0); }),
            new SafetensorsTensorSource("none", DType.F16, [0, 4], _ => calls++),
        };
        SafetensorsWriter.WriteStreaming(path, sources);
        Assert.Equal(3, calls);
        using (var file = SafetensorsFile.Open(path))
        {
            using var ramp = file.GetTensor("ramp");
            Assert.Equal(Enumerable.Range(0, 12).Select(i => i * 10), ramp.ToArray<int>());
            Assert.Equal([1, 0], file.GetBytes("flag").ToArray());
            Assert.Equal(0, file.GetEntry("none").ByteLength);
        }

        string shortPath = _folder.File("short.safetensors");
        var tooShort = new SafetensorsTensorSource("x", DType.F32, [2], s => s.Write(new byte[4]));
        var ex = Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.WriteStreaming(shortPath, [tooShort]));
        Assert.Contains("'x'", ex.Message, StringComparison.Ordinal);
        var tooLong = new SafetensorsTensorSource("y", DType.U8, [2], s => s.Write(new byte[3]));
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.WriteStreaming(shortPath, [tooLong]));
        Assert.Equal(["stream.safetensors"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Writer_rejects_duplicate_and_reserved_names()
    {
        using var t = Tensor.FromArray([1f], 1);
        string path = _folder.File("dup.safetensors");
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("a", t), new("a", t)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("__metadata__", t)]));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public unsafe void Files_larger_than_2_GiB_read_with_long_offsets()
    {
        // Sparse: 3e9 zero bytes that take no disk, then a small tensor past the 2 GiB mark.
        const long Big = 3_000_000_000;
        string json = "{\"big\":{\"dtype\":\"U8\",\"shape\":[3,1000000000],\"data_offsets\":[0," + Big + "]},"
            + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + Big + "," + (Big + 16) + "]}}";
        byte[] header = Encoding.UTF8.GetBytes(json);
        string path = _folder.WriteRaw("big.safetensors", header);
        long dataStart = 8 + header.Length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(dataStart + Big + 16);
            stream.Position = dataStart + Big - 1;
            stream.WriteByte(42);
            stream.Write(FloatBytes(1, -2, 3.5f, 1e-3f));
        }

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(dataStart + Big, file.GetEntry("tail").DataBegin);
        using (var tail = file.GetTensor("tail"))
        {
            Assert.Equal([1, -2, 3.5f, 1e-3f], tail.ToArray<float>());
        }

        using (var big = file.GetTensor("big"))
        {
            Assert.Equal(Big, big.ByteLength);
            Assert.Equal(42, ((byte*)big.Pointer)[Big - 1]);
            Assert.Equal(0, ((byte*)big.Pointer)[Big / 2]);
        }

        var ex = Assert.Throws<SafetensorsException>(() => file.GetBytes("big"));
        Assert.Equal("big", ex.TensorName);

        using var checkpoint = SafetensorsCheckpoint.Open(path);
        using var viaCheckpoint = checkpoint.GetTensor("tail");
        Assert.Equal(-2f, viaCheckpoint.ToArray<float>()[1]);
    }

    private static byte[] LengthPrefix(ulong n)
    {
        byte[] b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, n);
        return b;
    }

    private static byte[] FloatBytes(params float[] values)
    {
        byte[] b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), values[i]);
        }

        return b;
    }
}
