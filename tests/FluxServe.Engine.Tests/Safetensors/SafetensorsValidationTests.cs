using FluxServe.Engine.Safetensors;

namespace FluxServe.Engine.Tests.Safetensors;

/// <summary>One test per malformed-file case: the exception type, and a message that names the file and the tensor.</summary>
public sealed class SafetensorsValidationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static SafetensorsException AssertRejected(string path, string? tensor, string because)
    {
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(tensor, ex.TensorName);
        if (tensor is not null)
        {
            Assert.Contains($"'{tensor}'", ex.Message, StringComparison.Ordinal);
        }

        Assert.Contains(because, ex.Message, StringComparison.OrdinalIgnoreCase);
        return ex;
    }

    private string Raw(string json, int dataBytes = 0, ulong? headerLength = null) =>
        _folder.WriteRaw(Guid.NewGuid().ToString("N")[..8] + ".safetensors", json, new byte[dataBytes], headerLength);

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(7)]
    public void File_shorter_than_8_bytes(int length)
    {
        string path = _folder.File($"short{length}.safetensors");
        File.WriteAllBytes(path, new byte[length]);
        AssertRejected(path, null, "shorter than the 8-byte");
    }

    [Fact]
    public void Missing_file() => AssertRejected(_folder.File("nope.safetensors"), null, "does not exist");

    [Fact]
    public void Header_length_absurd() => AssertRejected(Raw("{}", headerLength: 100_000_001), null, "above the limit");

    [Fact]
    public void Header_length_ulong_max() => AssertRejected(Raw("{}", headerLength: ulong.MaxValue), null, "above the limit");

    [Fact]
    public void Header_length_larger_than_file() => AssertRejected(Raw("{}  ", headerLength: 5000), null, "only 4 bytes follow");

    [Fact]
    public void Header_not_utf8()
    {
        string path = _folder.WriteRaw("utf8.safetensors", [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        AssertRejected(path, null, "not valid UTF-8");
    }

    [Theory]
    [InlineData("""{"a":""")]
    [InlineData("""{"a":{"dtype":"F32",}}""")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("""{} x""")]
    [InlineData("""{}{}""")]
    [InlineData("""{}\u0000\u0000""")]
    [InlineData("""{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}} // c""")]
    public void Header_not_json(string json) => AssertRejected(Raw(json, 4), null, "not valid JSON");

    [Theory]
    [InlineData("[]", "array")]
    [InlineData("\"x\"", "string")]
    [InlineData("42", "number")]
    [InlineData("null", "null")]
    public void Header_not_an_object(string json, string kind) => AssertRejected(Raw(json), null, $"JSON {kind}, expected an object");

    [Theory]
    [InlineData("""{"t":[1]}""", "expected an object")]
    [InlineData("""{"t":"F32"}""", "expected an object")]
    [InlineData("""{"t":{"shape":[1],"data_offsets":[0,4]}}""", "no \"dtype\"")]
    [InlineData("""{"t":{"dtype":"F32","data_offsets":[0,4]}}""", "no \"shape\"")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1]}}""", "no \"data_offsets\"")]
    [InlineData("""{"t":{"dtype":1,"shape":[1],"data_offsets":[0,4]}}""", "dtype that is a JSON number")]
    [InlineData("""{"t":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}""", "shape that is a JSON string")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "shape entry 1.5")]
    [InlineData("""{"t":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}""", "shape entry \"1\"")]
    [InlineData("""{"t":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}""", "shape entry that is a JSON array")]
    [InlineData("""{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "non-negative")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":{"a":0}}}""", "two non-negative integers")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "has 1 data_offsets")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}""", "has 3 data_offsets")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", "negative data offset")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0e0]}}""", "data_offsets entry")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}}""", "data_offsets entry")]
    [InlineData("""{"t":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "more than once")]
    public void Entry_missing_fields_or_wrong_types(string json, string because) => AssertRejected(Raw(json, 4), "t", because);

    [Theory]
    [InlineData("F128")]
    [InlineData("float32")]
    [InlineData("F8_E8M0")]
    [InlineData("F4")]
    [InlineData("")]
    public void Unknown_or_unsupported_dtype(string dtype)
    {
        var ex = AssertRejected(Raw("{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "t", $"Unsupported dtype {dtype} for tensor 't'");
        Assert.Contains("safetensors file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_whose_byte_size_overflows() =>
        AssertRejected(Raw("""{"t":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,4]}}""", 4), "t", "overflows");

    [Fact]
    public void Shape_dimension_beyond_int32() =>
        AssertRejected(Raw("""{"t":{"dtype":"U8","shape":[2147483648],"data_offsets":[0,4]}}""", 4), "t", "larger than the engine's limit");

    [Fact]
    public void Data_offsets_end_before_begin() =>
        AssertRejected(Raw("""{"t":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}""", 4), "t", "end before they begin");

    [Fact]
    public void Data_offsets_beyond_the_data_section() =>
        AssertRejected(Raw("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4), "t", "beyond the data section (4 bytes)");

    [Fact]
    public void Data_offset_beyond_int64() =>
        AssertRejected(Raw("""{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551615]}}""", 1), "t", "beyond the data section");

    [Fact]
    public void Byte_length_differs_from_numel_times_sizeof() =>
        AssertRejected(Raw("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,6]}}""", 6), "t", "covers 6 bytes but its F32 shape [2] needs 2 × 4 = 8 bytes");

    [Fact]
    public void Overlapping_tensors() =>
        AssertRejected(
            Raw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8),
            "b",
            "overlaps tensor 'a'");

    [Fact]
    public void Identical_ranges_overlap() =>
        AssertRejected(
            Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}""", 4),
            "b",
            "overlaps");

    [Fact]
    public void Gap_between_tensors_is_rejected_like_the_reference_crate() =>
        AssertRejected(
            Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12),
            "b",
            "4 bytes after tensor 'a'");

    [Fact]
    public void Gap_before_the_first_tensor() =>
        AssertRejected(Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}""", 3), "a", "after the start of the data section");

    [Fact]
    public void Trailing_bytes_after_the_last_tensor() =>
        AssertRejected(Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 5), null, "4 bytes follow the last tensor");

    [Fact]
    public void Trailing_bytes_with_no_tensors() => AssertRejected(Raw("{}", 3), null, "3 bytes follow");

    [Fact]
    public void Empty_tensors_may_share_an_offset_with_their_neighbours()
    {
        string path = Raw("""{"e1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"e2":{"dtype":"BF16","shape":[3,0],"data_offsets":[2,2]}}""", 2);
        using var file = SafetensorsFile.Open(path);
        using var e2 = file.GetTensor("e2");
        Assert.Equal(0, e2.Length);
        Assert.Equal([3, 0], e2.Shape.ToArray());
    }

    [Fact]
    public void Duplicate_tensor_names() =>
        AssertRejected(
            Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2),
            "a",
            "more than once");

    [Fact]
    public void Duplicate_metadata() =>
        AssertRejected(Raw("""{"__metadata__":{},"__metadata__":{}}"""), null, "more than one \"__metadata__\"");

    [Fact]
    public void Metadata_value_not_a_string() =>
        AssertRejected(Raw("""{"__metadata__":{"total":3}}"""), null, "value of \"total\" is a JSON number");

    [Fact]
    public void Metadata_not_an_object() => AssertRejected(Raw("""{"__metadata__":[]}"""), null, "expected an object of strings");

    [Fact]
    public void Metadata_null_is_accepted_as_empty()
    {
        using var file = SafetensorsFile.Open(Raw("""{"__metadata__":null}"""));
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Missing_tensor_names_file_and_tensor()
    {
        string path = Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1);
        using var file = SafetensorsFile.Open(path);
        Assert.False(file.Contains("b"));
        foreach (var action in new Action[] { () => file.GetEntry("b"), () => file.GetTensor("b").Dispose(), () => file.GetBytes("b") })
        {
            var ex = Assert.Throws<SafetensorsException>(action);
            Assert.Equal("b", ex.TensorName);
            Assert.Equal(path, ex.FilePath);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
        }
    }
}
