namespace FluxServe.Server.Generation;

/// <summary>What an <see cref="ISafetyChecker"/> decided about one image.</summary>
/// <param name="Blocked">True when the image must not be returned.</param>
/// <param name="Reason">Why, in words a client may read (a content category, never the image itself).</param>
public readonly record struct SafetyVerdict(bool Blocked, string? Reason)
{
    public static SafetyVerdict Allowed => new(false, null);

    public static SafetyVerdict Block(string reason) => new(true, reason);
}
