using System.Globalization;

namespace FluxServe.Server.Accounts;

/// <summary>Credit amounts are stored as whole millionths (micro-credits) so sums are exact and never go below zero by rounding.</summary>
public static class Credits
{
    public const long MicroPerCredit = 1_000_000;

    /// <summary>Converts credits to micro-credits, rounding up (a price is never rounded down to free).</summary>
    public static long ToMicro(decimal credits) => (long)decimal.Ceiling(credits * MicroPerCredit);

    /// <summary>Formats micro-credits as a plain decimal ("10", "0.003", "9.997").</summary>
    public static string Format(long micro) =>
        (micro / (decimal)MicroPerCredit).ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Parses a credit amount as the command line takes it ("10", "0.5").</summary>
    public static bool TryParse(string text, out long micro)
    {
        micro = 0;
        if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out decimal value) || value < 0 || value > 1_000_000_000_000m)
        {
            return false;
        }

        micro = ToMicro(value);
        return true;
    }
}
