namespace FluxServe.Cli;

/// <summary>The <c>--name value</c> options and positional words of a sub-command.</summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    private CommandOptions()
    {
    }

    public List<string> Positional { get; } = [];

    /// <summary>Configuration switches (<c>--Section:Key value</c> and <c>--data</c>) passed on to the configuration.</summary>
    public List<string> ConfigurationArgs { get; } = [];

    public static CommandOptions Parse(IReadOnlyList<string> args, IReadOnlySet<string> known)
    {
        var result = new CommandOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                result.Positional.Add(arg);
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new CommandLineException($"{arg} needs a value.");
            }

            string name = arg[2..];
            string value = args[++i];
            if (name == "data")
            {
                result.ConfigurationArgs.AddRange(["--Storage:DataFolder", value]);
            }
            else if (name.Contains(':', StringComparison.Ordinal))
            {
                result.ConfigurationArgs.AddRange([arg, value]);
            }
            else if (known.Contains(name))
            {
                result._options[name] = value;
            }
            else
            {
                throw new CommandLineException($"unknown option {arg}.");
            }
        }

        return result;
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);
}
