using System.Buffers.Binary;
using System.Text.Json;
using FluxServe.Engine.Safetensors;

namespace FluxServe.Engine.Tests.Safetensors;

/// <summary>Reads every safetensors file of the shared fixtures and cross-checks a few entries with an independent parse.</summary>
public sealed class SafetensorsFixtureTests
{
    /// <summary><c>$FLUXSERVE_FIXTURES</c>, else <c>../shared/fixtures</c> relative to the repository root.</summary>
    private static string FixturesRoot => FindFixturesRoot();

    private static string FindFixturesRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        if (Environment.GetEnvironmentVariable("FLUXSERVE_FIXTURES") is { Length: > 0 } env)
        {
            return env;
        }

        // The test binaries may live outside the checkout (--artifacts-path), so start from this source file.
        string start = Path.GetDirectoryName(sourceFile) is { Length: > 0 } d ? d : Directory.GetCurrentDirectory();
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FluxServe.slnx")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures"));
            }
        }

        return "/work/shared/fixtures";
    }

    public static TheoryData<string> FixtureFiles()
    {
        var data = new TheoryData<string>();
        if (Directory.Exists(FixturesRoot))
        {
            foreach (string f in Directory.EnumerateFiles(FixturesRoot, "*.safetensors", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(FixturesRoot, f));
            }
        }

        return data;
    }

    [Fact]
    public void Fixtures_folder_has_safetensors_files()
    {
        Assert.True(Directory.Exists(FixturesRoot), $"fixtures folder {FixturesRoot} is missing");
        Assert.NotEmpty(FixtureFiles());
    }

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void Fixture_file_opens_and_matches_an_independent_header_parse(string relativePath)
    {
        string path = Path.Combine(FixturesRoot, relativePath);
        using var file = SafetensorsFile.Open(path);
        Assert.NotEmpty(file.Entries);

        // Independent parse: read the header with JsonDocument from a plain FileStream.
        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        byte[] header = new byte[headerLength];
        stream.ReadExactly(header);
        using var doc = JsonDocument.Parse(header);
        int count = 0;
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var kv in property.Value.EnumerateObject())
                {
                    Assert.Equal(kv.Value.GetString(), file.Metadata[kv.Name]);
                }

                continue;
            }

            count++;
            var entry = file.GetEntry(property.Name);
            Assert.Equal(property.Value.GetProperty("dtype").GetString(), entry.StoredDType);
            int[] shape = [.. property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
            Assert.Equal(shape, entry.Shape);
            long begin = property.Value.GetProperty("data_offsets")[0].GetInt64();
            Assert.Equal(8 + headerLength + begin, entry.DataBegin);
        }

        Assert.Equal(count, file.Entries.Count);

        // A couple of entries: the tensor's bytes equal the file's bytes at that offset, and floats are finite.
        foreach (var entry in new[] { file.Entries[0], file.Entries[^1], file.Entries[file.Entries.Count / 2] })
        {
            using var tensor = file.GetTensor(entry.Name);
            Assert.Equal(entry.Shape, tensor.Shape.ToArray());
            Assert.Equal(entry.DType, tensor.DType);
            byte[] expected = new byte[entry.ByteLength];
            stream.Position = entry.DataBegin;
            stream.ReadExactly(expected);
            Assert.Equal(expected, tensor.AsBytes().ToArray());
            if (tensor.DType == DType.F32)
            {
                foreach (float v in tensor.AsSpan<float>())
                {
                    Assert.True(float.IsFinite(v), $"{entry.Name} holds a non-finite value");
                }
            }
        }
    }
}
