using System.Text;
using System.Text.RegularExpressions;
using FluxServe.Testing;

namespace FluxServe.Server.Tests.Infrastructure;

/// <summary>The example client code of the hosted pages (<c>shared/seeds/*.txt</c>), extracted verbatim.</summary>
internal static partial class SeedExamples
{
    public static string SeedsFolder => Path.GetFullPath(Path.Combine(FixturePaths.Root, "..", "seeds"));

    /// <summary>The first numbered Python listing of a page ("1import requests" … ), line numbers removed.</summary>
    public static string Python(string page)
    {
        var code = new StringBuilder();
        int expected = 1;
        foreach (string line in File.ReadLines(Path.Combine(SeedsFolder, page)))
        {
            var match = NumberedLine().Match(line);
            if (expected == 1 && !(match.Success && match.Groups[1].Value == "1" && match.Groups[2].Value.StartsWith("import requests", StringComparison.Ordinal)))
            {
                continue;
            }

            if (!match.Success || match.Groups[1].Value != expected.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                break;
            }

            // The pages repeat the listing, the copy starting on the last line of the first ("27 print(...) 1import requests").
            string text = match.Groups[2].Value;
            int repeat = text.IndexOf(" 1import requests", StringComparison.Ordinal);
            code.Append(repeat >= 0 ? text[..repeat] : text).Append('\n');
            expected++;
            if (repeat >= 0)
            {
                break;
            }
        }

        return expected > 1 ? code.ToString() : throw new InvalidDataException($"{page} has no Python listing");
    }

    /// <summary>The one-line JavaScript listing of a page ("1 2 3 … 26 const axios = …"), the line numbers removed.</summary>
    public static string JavaScript(string page)
    {
        foreach (string line in File.ReadLines(Path.Combine(SeedsFolder, page)))
        {
            var match = JavaScriptLine().Match(line);
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
        }

        throw new InvalidDataException($"{page} has no JavaScript listing");
    }

    /// <summary>
    /// The fast-flux-schnell page's Python writes the JSON literal <c>false</c> (<c>"base64": false</c>), a NameError in
    /// Python before any request is made, so that listing cannot run anywhere as printed. This one line, put before
    /// the unchanged listing, is the smallest fix: it gives the JSON literals their Python values.
    /// </summary>
    public const string JsonLiteralsForPython = "false, true, null = False, True, None\n";

    /// <summary>Points a listing at this server: only the base URL and the key change.</summary>
    public static string Retarget(string code, Uri server, string key) =>
        code.Replace("https://api.segmind.com", server.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("YOUR_API_KEY", key, StringComparison.Ordinal)
            .Replace("YOUR API-KEY", key, StringComparison.Ordinal);

    [GeneratedRegex(@"^(\d+)(.*)$")]
    private static partial Regex NumberedLine();

    [GeneratedRegex(@"^(?:\d+ )+(const axios = require\('axios'\);.*)$")]
    private static partial Regex JavaScriptLine();
}
