namespace FluxServe.Server.Configuration;

/// <summary>The price of one model: per image plus per megapixel-step (credits).</summary>
public sealed class ModelPrice
{
    public decimal PerImage { get; set; }

    public decimal PerMegapixelStep { get; set; }
}
