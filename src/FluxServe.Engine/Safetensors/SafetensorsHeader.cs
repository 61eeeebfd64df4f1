using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace FluxServe.Engine.Safetensors;

/// <summary>
/// Parses and validates a safetensors header (the JSON after the 8-byte length) against the size of the data section.
/// </summary>
/// <remarks>
/// The rules follow the reference Rust crate (<c>huggingface/safetensors</c>, <c>SafeTensors::read_metadata</c> and
/// <c>Metadata::validate</c>): header at most 100,000,000 bytes of UTF-8 JSON; every entry has dtype, shape and
/// data_offsets; sorted by offsets, the tensors must tile the data section exactly, from 0 to its end, with no gap,
/// overlap or trailing bytes; each byte range holds exactly numel × sizeof(dtype). Duplicate names, which serde would
/// silently collapse, are rejected here.
/// </remarks>
internal static class SafetensorsHeader
{
    /// <summary>Largest accepted header, as the reference crate's <c>MAX_HEADER_SIZE</c>.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved key for the string-to-string metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Parses <paramref name="json"/>, the header bytes of <paramref name="filePath"/>, whose data section starts at
    /// <paramref name="dataStart"/> and is <paramref name="dataLength"/> bytes long.
    /// </summary>
    /// <exception cref="SafetensorsException">The header is malformed or does not describe the data section.</exception>
    public static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) Parse(
        string filePath, ReadOnlySpan<byte> json, long dataStart, long dataLength)
    {
        if (!Utf8.IsValid(json))
        {
            throw SafetensorsException.ForFile(filePath, "the header is not valid UTF-8.");
        }

        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            if (!reader.Read())
            {
                throw SafetensorsException.ForFile(filePath, "the header is empty; expected a JSON object.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw SafetensorsException.ForFile(filePath, $"the header is a JSON {Describe(reader.TokenType)}, expected an object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (name == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw SafetensorsException.ForFile(filePath, $"the header has more than one \"{MetadataKey}\".");
                    }

                    sawMetadata = true;
                    ReadMetadata(filePath, ref reader, metadata);
                    continue;
                }

                if (!names.Add(name))
                {
                    throw SafetensorsException.ForTensor(filePath, name, "appears more than once in the header.");
                }

                entries.Add(ReadEntry(filePath, name, ref reader, dataStart, dataLength));
            }

            // Anything but padding whitespace after the object makes the reader throw here.
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            throw SafetensorsException.ForFile(filePath, $"the header is not valid JSON ({ex.Message}).", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw SafetensorsException.ForFile(filePath, $"the header is not valid JSON ({ex.Message}).", ex);
        }

        CheckCoverage(filePath, entries, dataStart, dataLength);
        return (entries, metadata);
    }

    private static void ReadMetadata(string filePath, ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SafetensorsException.ForFile(filePath, $"\"{MetadataKey}\" is a JSON {Describe(reader.TokenType)}, expected an object of strings.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw SafetensorsException.ForFile(filePath, $"\"{MetadataKey}\" value of \"{key}\" is a JSON {Describe(reader.TokenType)}, expected a string.");
            }

            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw SafetensorsException.ForFile(filePath, $"\"{MetadataKey}\" has the key \"{key}\" more than once.");
            }
        }
    }

    private static SafetensorsEntry ReadEntry(string filePath, string name, ref Utf8JsonReader reader, long dataStart, long dataLength)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SafetensorsException.ForTensor(filePath, name, $"is a JSON {Describe(reader.TokenType)}, expected an object with dtype, shape and data_offsets.");
        }

        string? dtypeName = null;
        int[]? shape = null;
        long begin = -1, end = -1;
        bool sawOffsets = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    Once(filePath, name, field, dtypeName is not null);
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw SafetensorsException.ForTensor(filePath, name, $"has a dtype that is a JSON {Describe(reader.TokenType)}, expected a string.");
                    }

                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    Once(filePath, name, field, shape is not null);
                    shape = ReadShape(filePath, name, ref reader);
                    break;
                case "data_offsets":
                    Once(filePath, name, field, sawOffsets);
                    sawOffsets = true;
                    (begin, end) = ReadOffsets(filePath, name, ref reader);
                    break;
                default:
                    // Unknown fields are ignored, as serde does for the reference crate.
                    reader.Skip();
                    break;
            }
        }

        if (dtypeName is null || shape is null || !sawOffsets)
        {
            string missing = dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw SafetensorsException.ForTensor(filePath, name, $"has no \"{missing}\" field.");
        }

        if (!SafetensorsDTypes.TryResolve(dtypeName, out var dtype, out int storedSize))
        {
            throw new SafetensorsException(
                filePath, name, $"Unsupported dtype {dtypeName} for tensor '{name}' in safetensors file '{filePath}'.");
        }

        long length = 1;
        long byteLength;
        try
        {
            foreach (int d in shape)
            {
                length = checked(length * d);
            }

            byteLength = checked(length * storedSize);
        }
        catch (OverflowException ex)
        {
            throw SafetensorsException.ForTensor(filePath, name, $"has shape {Tensor.FormatShape(shape)} whose byte size overflows.", ex);
        }

        if (end < begin)
        {
            throw SafetensorsException.ForTensor(filePath, name, $"has data_offsets [{begin}, {end}] that end before they begin.");
        }

        if (end > dataLength)
        {
            throw SafetensorsException.ForTensor(
                filePath, name, $"has data_offsets [{begin}, {end}] beyond the data section ({dataLength} bytes); the file is truncated or the header is wrong.");
        }

        if (end - begin != byteLength)
        {
            throw SafetensorsException.ForTensor(
                filePath, name, $"covers {end - begin} bytes but its {dtypeName} shape {Tensor.FormatShape(shape)} needs {length} × {storedSize} = {byteLength} bytes.");
        }

        return new SafetensorsEntry(filePath, name, dtypeName, dtype, storedSize, shape, length, dataStart + begin, dataStart + end);
    }

    private static void Once(string filePath, string name, string field, bool seen)
    {
        if (seen)
        {
            throw SafetensorsException.ForTensor(filePath, name, $"has the field \"{field}\" more than once.");
        }
    }

    private static int[] ReadShape(string filePath, string name, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw SafetensorsException.ForTensor(filePath, name, $"has a shape that is a JSON {Describe(reader.TokenType)}, expected an array of non-negative integers.");
        }

        var dims = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long d) || d < 0)
            {
                throw SafetensorsException.ForTensor(
                    filePath, name, $"has a shape entry {Raw(ref reader)}; dimensions must be non-negative integers.");
            }

            if (d > int.MaxValue)
            {
                throw SafetensorsException.ForTensor(filePath, name, $"has a dimension of {d}, larger than the engine's limit of {int.MaxValue}.");
            }

            dims.Add((int)d);
        }

        return [.. dims];
    }

    private static (long Begin, long End) ReadOffsets(string filePath, string name, ref Utf8JsonReader reader)
    {
        const string Expected = "data_offsets must be an array of two non-negative integers [begin, end]";
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw SafetensorsException.ForTensor(filePath, name, $"has data_offsets that are a JSON {Describe(reader.TokenType)}; {Expected}.");
        }

        Span<long> values = stackalloc long[2];
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw SafetensorsException.ForTensor(filePath, name, $"has a data_offsets entry {Raw(ref reader)}; {Expected}.");
            }

            if (!reader.TryGetInt64(out long v))
            {
                // A whole number beyond Int64 lies beyond any file; anything else is not an offset at all.
                throw reader.TryGetUInt64(out _)
                    ? SafetensorsException.ForTensor(filePath, name, $"has a data offset {Raw(ref reader)} beyond the data section.")
                    : SafetensorsException.ForTensor(filePath, name, $"has a data_offsets entry {Raw(ref reader)}; {Expected}.");
            }

            if (v < 0)
            {
                throw SafetensorsException.ForTensor(filePath, name, $"has a negative data offset {v}; {Expected}.");
            }

            if (count < 2)
            {
                values[count] = v;
            }

            count++;
        }

        if (count != 2)
        {
            throw SafetensorsException.ForTensor(filePath, name, $"has {count} data_offsets; {Expected}.");
        }

        return (values[0], values[1]);
    }

    /// <summary>
    /// The reference crate's rule: sorted by (begin, end), each tensor starts where the previous one ended, the first
    /// at 0, and the last ends at the end of the file. Gaps and trailing bytes are rejected like overlaps.
    /// </summary>
    private static void CheckCoverage(string filePath, List<SafetensorsEntry> entries, long dataStart, long dataLength)
    {
        var sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) =>
        {
            int c = a.DataBegin.CompareTo(b.DataBegin);
            return c != 0 ? c : a.DataEnd.CompareTo(b.DataEnd);
        });
        long expected = dataStart;
        SafetensorsEntry? previous = null;
        foreach (var e in sorted)
        {
            if (e.DataBegin < expected)
            {
                throw SafetensorsException.ForTensor(
                    filePath, e.Name, $"overlaps tensor '{previous!.Name}' (data_offsets [{e.DataBegin - dataStart}, {e.DataEnd - dataStart}] vs [{previous.DataBegin - dataStart}, {previous.DataEnd - dataStart}]).");
            }

            if (e.DataBegin > expected)
            {
                string after = previous is null ? "the start of the data section" : $"tensor '{previous.Name}'";
                throw SafetensorsException.ForTensor(
                    filePath, e.Name, $"starts {e.DataBegin - expected} bytes after {after}; safetensors data must be contiguous (the reference crate rejects gaps).");
            }

            expected = e.DataEnd;
            previous = e;
        }

        long trailing = dataStart + dataLength - expected;
        if (trailing != 0)
        {
            throw SafetensorsException.ForFile(
                filePath, $"{trailing} bytes follow the last tensor's data; the header does not describe the whole file (the reference crate rejects this).");
        }
    }

    private static string Raw(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.String) || reader.HasValueSequence)
        {
            return "that is a JSON " + Describe(reader.TokenType);
        }

        string text = Encoding.UTF8.GetString(reader.ValueSpan);
        if (text.Length > 40)
        {
            text = text[..40] + "...";
        }

        return reader.TokenType == JsonTokenType.String ? $"\"{text}\"" : text;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
