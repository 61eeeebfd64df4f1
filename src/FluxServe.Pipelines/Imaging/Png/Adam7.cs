namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>The seven passes of Adam7 interlacing (PNG spec §8.2): each samples every <c>StepX</c>-th pixel of every
/// <c>StepY</c>-th row, starting at (<c>StartX</c>, <c>StartY</c>).</summary>
internal static class Adam7
{
    public const int PassCount = 7;

    private static ReadOnlySpan<byte> StartX => [0, 4, 0, 2, 0, 1, 0];

    private static ReadOnlySpan<byte> StartY => [0, 0, 4, 0, 2, 0, 1];

    private static ReadOnlySpan<byte> StepX => [8, 8, 4, 4, 2, 2, 1];

    private static ReadOnlySpan<byte> StepY => [8, 8, 8, 4, 4, 2, 2];

    /// <summary>Pass <paramref name="pass"/>'s geometry in an image of the given size; a pass can be empty (0 wide or high).</summary>
    public static (int StartX, int StartY, int StepX, int StepY, int Width, int Height) Pass(int pass, int width, int height)
    {
        int startX = StartX[pass], startY = StartY[pass], stepX = StepX[pass], stepY = StepY[pass];
        int passWidth = width > startX ? (int)(((long)width - startX + stepX - 1) / stepX) : 0;
        int passHeight = height > startY ? (int)(((long)height - startY + stepY - 1) / stepY) : 0;
        return (startX, startY, stepX, stepY, passWidth, passHeight);
    }
}
