using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FluxServe.Pipelines.Imaging.Png;

/// <summary>
/// PNG row filtering (encoder) and reconstruction (decoder), PNG spec §9. Bytes are compared with their left
/// neighbour <c>a</c> (one pixel, <c>bpp</c> bytes, back; 0 before the row starts), the byte above <c>b</c> and the
/// one above-left <c>c</c>; the row above the first is all zeros.
/// </summary>
/// <remarks>
/// Filtering uses raw bytes only, so every filter vectorises. Reconstruction of Sub, Average and Paeth depends on
/// the pixel just reconstructed, so it runs one pixel per step (one 128-bit vector per pixel of 3, 4, 6 or 8 bytes;
/// per byte otherwise); Up vectorises. Entry points taking
/// <c>vectorBits</c> let tests force each width (512, 256, 128, or 0 for scalar) on a machine that has them all.
/// </remarks>
internal static class PngFilterKernels
{
    /// <summary>The widest vector width (in bits) with hardware support here, 0 when none.</summary>
    public static int HardwareVectorBits { get; } =
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>
    /// The filter with the least sum of the filtered bytes' magnitudes read as signed (−128..127): the "minimum sum
    /// of absolute differences" heuristic of the PNG spec §12.8 and libpng, ties going to the lower filter number.
    /// </summary>
    public static PngFilterType ChooseFilter(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel)
    {
        Span<uint> costs = stackalloc uint[5];
        ComputeCosts(row, previous, bytesPerPixel, costs, HardwareVectorBits);
        int best = 0;
        for (int filter = 1; filter < 5; filter++)
        {
            if (costs[filter] < costs[best])
            {
                best = filter;
            }
        }

        return (PngFilterType)best;
    }

    /// <summary>
    /// Each filter's heuristic cost of <paramref name="row"/>: <paramref name="costs"/>[f] is the sum over the
    /// filtered bytes of min(v, 256 − v) for filter f.
    /// </summary>
    public static void ComputeCosts(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, Span<uint> costs, int vectorBits)
    {
        CheckArguments(row, previous, bytesPerPixel);
        if (costs.Length < 5)
        {
            throw new ArgumentException("Five costs are computed, one per filter.", nameof(costs));
        }

        if (vectorBits >= 512 && Vector512.IsHardwareAccelerated)
        {
            ComputeCosts<Vector512<byte>, ByteLanes512>(row, previous, bytesPerPixel, costs);
        }
        else if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            ComputeCosts<Vector256<byte>, ByteLanes256>(row, previous, bytesPerPixel, costs);
        }
        else if (vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            ComputeCosts<Vector128<byte>, ByteLanes128>(row, previous, bytesPerPixel, costs);
        }
        else
        {
            costs[..5].Clear();
            ComputeCostsScalar(row, previous, bytesPerPixel, 0, costs);
        }
    }

    /// <summary>Writes <paramref name="row"/> filtered with <paramref name="filter"/> to <paramref name="destination"/>.</summary>
    public static void Filter(PngFilterType filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, Span<byte> destination) =>
        Filter(filter, row, previous, bytesPerPixel, destination, HardwareVectorBits);

    /// <inheritdoc cref="Filter(PngFilterType, ReadOnlySpan{byte}, ReadOnlySpan{byte}, int, Span{byte})"/>
    public static void Filter(PngFilterType filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, Span<byte> destination, int vectorBits)
    {
        CheckArguments(row, previous, bytesPerPixel);
        if (destination.Length < row.Length)
        {
            throw new ArgumentException("The destination is shorter than the row.", nameof(destination));
        }

        if (vectorBits >= 512 && Vector512.IsHardwareAccelerated)
        {
            Filter<Vector512<byte>, ByteLanes512>(filter, row, previous, bytesPerPixel, destination);
        }
        else if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            Filter<Vector256<byte>, ByteLanes256>(filter, row, previous, bytesPerPixel, destination);
        }
        else if (vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            Filter<Vector128<byte>, ByteLanes128>(filter, row, previous, bytesPerPixel, destination);
        }
        else
        {
            FilterScalar(filter, row, previous, bytesPerPixel, destination, 0);
        }
    }

    /// <summary>Reverses <paramref name="filter"/> on <paramref name="row"/> in place (PNG spec §9.2).</summary>
    public static void Unfilter(PngFilterType filter, Span<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel) =>
        Unfilter(filter, row, previous, bytesPerPixel, HardwareVectorBits);

    /// <inheritdoc cref="Unfilter(PngFilterType, Span{byte}, ReadOnlySpan{byte}, int)"/>
    public static void Unfilter(PngFilterType filter, Span<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, int vectorBits)
    {
        CheckArguments(row, previous, bytesPerPixel);
        if (filter is PngFilterType.Sub or PngFilterType.Average or PngFilterType.Paeth
            && bytesPerPixel is 3 or 4 or 6 or 8 && vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            UnfilterPixels(filter, row, previous, bytesPerPixel);
            return;
        }

        switch (filter)
        {
            case PngFilterType.None:
                break;
            case PngFilterType.Up:
                UnfilterUp(row, previous, vectorBits);
                break;
            case PngFilterType.Sub or PngFilterType.Average or PngFilterType.Paeth:
                UnfilterScalar(filter, row, previous, bytesPerPixel, 0);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter method 0 defines filter types 0 to 4.");
        }
    }

    /// <summary>Sub, Average or Paeth reconstruction of bytes <paramref name="start"/>.. of the row, per byte.</summary>
    private static void UnfilterScalar(PngFilterType filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp, int start)
    {
        int n = row.Length;
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte b = ref MemoryMarshal.GetReference(previous);
        int i = start;
        switch (filter)
        {
            case PngFilterType.Sub:
                for (i = Math.Max(i, bpp); i < n; i++)
                {
                    Unsafe.Add(ref x, i) += Unsafe.Add(ref x, i - bpp);
                }

                break;
            case PngFilterType.Average:
                for (; i < bpp && i < n; i++)
                {
                    Unsafe.Add(ref x, i) += (byte)(Unsafe.Add(ref b, i) >> 1);
                }

                for (; i < n; i++)
                {
                    Unsafe.Add(ref x, i) += (byte)((Unsafe.Add(ref x, i - bpp) + Unsafe.Add(ref b, i)) >> 1);
                }

                break;
            default:
                for (; i < bpp && i < n; i++)
                {
                    Unsafe.Add(ref x, i) += Unsafe.Add(ref b, i);
                }

                for (; i < n; i++)
                {
                    Unsafe.Add(ref x, i) += Paeth(Unsafe.Add(ref x, i - bpp), Unsafe.Add(ref b, i), Unsafe.Add(ref b, i - bpp));
                }

                break;
        }
    }

    /// <summary>The Paeth predictor (PNG spec §9.4), branch-light.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Paeth(int a, int b, int c)
    {
        int pa = Math.Abs(b - c);
        int pb = Math.Abs(a - c);
        int pc = Math.Abs(a + b - c - c);
        int nearestOfBc = pb <= pc ? b : c;
        return (byte)(pa <= pb && pa <= pc ? a : nearestOfBc);
    }

    /// <summary>
    /// Sub, Average and Paeth reconstruction one pixel at a time, the pixel's 3 to 8 bytes in 16-bit lanes of a
    /// 128-bit vector (libpng's approach): the per-pixel dependency stays, but each pixel costs a few vector
    /// operations instead of that many per byte.
    /// </summary>
    private static void UnfilterPixels(PngFilterType filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        int n = row.Length - (row.Length % bpp);
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte b = ref MemoryMarshal.GetReference(previous);
        var mask = Vector128.Create((short)0xFF);
        var a = Vector128<short>.Zero;
        var c = Vector128<short>.Zero;
        for (int p = 0; p < n; p += bpp)
        {
            var vx = LoadPixel(ref Unsafe.Add(ref x, p), bpp, n - p);
            var vb = LoadPixel(ref Unsafe.Add(ref b, p), bpp, n - p);
            var predictor = filter switch
            {
                PngFilterType.Sub => a,
                PngFilterType.Average => Vector128.ShiftRightLogical(a + vb, 1),
                _ => ByteLanes128.PaethWide(a, vb, c),
            };
            a = (vx + predictor) & mask;
            StorePixel(a, ref Unsafe.Add(ref x, p), bpp);
            c = vb;
        }

        // A partial pixel at the end only occurs in callers' odd rows (never in a PNG); finish it per byte.
        UnfilterScalar(filter, row, previous, bpp, n);
    }

    /// <summary>Loads <paramref name="bpp"/> bytes into 16-bit lanes, reading past them only when <paramref name="available"/> allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> LoadPixel(ref byte source, int bpp, int available)
    {
        ulong bits;
        if (available >= 8)
        {
            bits = Unsafe.ReadUnaligned<ulong>(ref source);
        }
        else if (bpp == 3)
        {
            bits = Unsafe.ReadUnaligned<ushort>(ref source) | ((ulong)Unsafe.Add(ref source, 2) << 16);
        }
        else if (bpp == 4)
        {
            bits = Unsafe.ReadUnaligned<uint>(ref source);
        }
        else if (bpp == 6)
        {
            bits = Unsafe.ReadUnaligned<uint>(ref source) | ((ulong)Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref source, 4)) << 32);
        }
        else
        {
            bits = Unsafe.ReadUnaligned<ulong>(ref source);
        }

        return Vector128.WidenLower(Vector128.CreateScalarUnsafe(bits).AsByte()).AsInt16();
    }

    /// <summary>Stores the low bytes of the first <paramref name="bpp"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePixel(Vector128<short> value, ref byte destination, int bpp)
    {
        ulong bits = Vector128.Narrow(value.AsUInt16(), value.AsUInt16()).AsUInt64().ToScalar();
        switch (bpp)
        {
            case 3:
                Unsafe.WriteUnaligned(ref destination, (ushort)bits);
                Unsafe.Add(ref destination, 2) = (byte)(bits >> 16);
                break;
            case 4:
                Unsafe.WriteUnaligned(ref destination, (uint)bits);
                break;
            case 6:
                Unsafe.WriteUnaligned(ref destination, (uint)bits);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 4), (ushort)(bits >> 32));
                break;
            default:
                Unsafe.WriteUnaligned(ref destination, bits);
                break;
        }
    }

    private static void UnfilterUp(Span<byte> row, ReadOnlySpan<byte> previous, int vectorBits)
    {
        int n = row.Length;
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte b = ref MemoryMarshal.GetReference(previous);
        int i = 0;
        if (vectorBits >= 512 && Vector512.IsHardwareAccelerated)
        {
            i = AddVectors<Vector512<byte>, ByteLanes512>(ref x, ref b, n);
        }
        else if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            i = AddVectors<Vector256<byte>, ByteLanes256>(ref x, ref b, n);
        }
        else if (vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            i = AddVectors<Vector128<byte>, ByteLanes128>(ref x, ref b, n);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref x, i) += Unsafe.Add(ref b, i);
        }
    }

    /// <summary>x[i] += b[i] for whole vectors; returns how many bytes were done.</summary>
    private static int AddVectors<TV, TL>(ref byte x, ref byte b, int n)
        where TV : struct
        where TL : IByteLanes<TV>
    {
        int i = 0;
        for (; i + TL.Count <= n; i += TL.Count)
        {
            TL.Store(TL.Add(TL.Load(ref Unsafe.Add(ref x, i)), TL.Load(ref Unsafe.Add(ref b, i))), ref Unsafe.Add(ref x, i));
        }

        return i;
    }

    private static void ComputeCosts<TV, TL>(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<uint> costs)
        where TV : struct
        where TL : IByteLanes<TV>
    {
        int n = row.Length;
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte b = ref MemoryMarshal.GetReference(previous);
        costs[..5].Clear();

        // The first pixel has no left neighbour: a = c = 0, done by the scalar code with the tail.
        int i = Math.Min(bpp, n);
        ComputeCostsScalar(row[..i], previous, bpp, 0, costs);

        // Counters are 16-bit and grow by at most 256 per vector: flush to 32 bits every 128 vectors.
        const int FlushEvery = 128;
        while (i + TL.Count <= n)
        {
            TV none = TL.Zero, sub = TL.Zero, up = TL.Zero, average = TL.Zero, paeth = TL.Zero;
            for (int k = 0; k < FlushEvery && i + TL.Count <= n; k++, i += TL.Count)
            {
                TV vx = TL.Load(ref Unsafe.Add(ref x, i));
                TV va = TL.Load(ref Unsafe.Add(ref x, i - bpp));
                TV vb = TL.Load(ref Unsafe.Add(ref b, i));
                TV vc = TL.Load(ref Unsafe.Add(ref b, i - bpp));
                none = TL.AccumulateSignedMagnitudes(none, vx);
                sub = TL.AccumulateSignedMagnitudes(sub, TL.Subtract(vx, va));
                up = TL.AccumulateSignedMagnitudes(up, TL.Subtract(vx, vb));
                average = TL.AccumulateSignedMagnitudes(average, TL.Subtract(vx, TL.AverageFloor(va, vb)));
                paeth = TL.AccumulateSignedMagnitudes(paeth, TL.Subtract(vx, TL.Paeth(va, vb, vc)));
            }

            costs[0] += TL.SumCounters(none);
            costs[1] += TL.SumCounters(sub);
            costs[2] += TL.SumCounters(up);
            costs[3] += TL.SumCounters(average);
            costs[4] += TL.SumCounters(paeth);
        }

        ComputeCostsScalar(row, previous, bpp, i, costs);
    }

    /// <summary>Adds the costs of bytes <paramref name="start"/>.. of the row to <paramref name="costs"/>.</summary>
    private static void ComputeCostsScalar(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, int start, Span<uint> costs)
    {
        uint none = 0, sub = 0, up = 0, average = 0, paeth = 0;
        for (int i = start; i < row.Length; i++)
        {
            int x = row[i];
            int a = i >= bpp ? row[i - bpp] : 0;
            int b = previous[i];
            int c = i >= bpp ? previous[i - bpp] : 0;
            none += Magnitude(x);
            sub += Magnitude(x - a);
            up += Magnitude(x - b);
            average += Magnitude(x - ((a + b) >> 1));
            paeth += Magnitude(x - Paeth(a, b, c));
        }

        costs[0] += none;
        costs[1] += sub;
        costs[2] += up;
        costs[3] += average;
        costs[4] += paeth;
    }

    /// <summary>min(v, 256 − v) of the byte v mod 256: its magnitude read as a signed byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Magnitude(int difference) => (uint)Math.Abs((int)(sbyte)difference);

    private static void Filter<TV, TL>(PngFilterType filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> destination)
        where TV : struct
        where TL : IByteLanes<TV>
    {
        int n = row.Length;
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte b = ref MemoryMarshal.GetReference(previous);
        ref byte d = ref MemoryMarshal.GetReference(destination);
        int head = Math.Min(bpp, n);
        FilterScalar(filter, row[..head], previous, bpp, destination, 0);
        int i = head;
        switch (filter)
        {
            case PngFilterType.None:
                row.CopyTo(destination);
                return;
            case PngFilterType.Sub:
                for (; i + TL.Count <= n; i += TL.Count)
                {
                    TL.Store(TL.Subtract(TL.Load(ref Unsafe.Add(ref x, i)), TL.Load(ref Unsafe.Add(ref x, i - bpp))), ref Unsafe.Add(ref d, i));
                }

                break;
            case PngFilterType.Up:
                for (; i + TL.Count <= n; i += TL.Count)
                {
                    TL.Store(TL.Subtract(TL.Load(ref Unsafe.Add(ref x, i)), TL.Load(ref Unsafe.Add(ref b, i))), ref Unsafe.Add(ref d, i));
                }

                break;
            case PngFilterType.Average:
                for (; i + TL.Count <= n; i += TL.Count)
                {
                    TV predictor = TL.AverageFloor(TL.Load(ref Unsafe.Add(ref x, i - bpp)), TL.Load(ref Unsafe.Add(ref b, i)));
                    TL.Store(TL.Subtract(TL.Load(ref Unsafe.Add(ref x, i)), predictor), ref Unsafe.Add(ref d, i));
                }

                break;
            case PngFilterType.Paeth:
                for (; i + TL.Count <= n; i += TL.Count)
                {
                    TV predictor = TL.Paeth(TL.Load(ref Unsafe.Add(ref x, i - bpp)), TL.Load(ref Unsafe.Add(ref b, i)), TL.Load(ref Unsafe.Add(ref b, i - bpp)));
                    TL.Store(TL.Subtract(TL.Load(ref Unsafe.Add(ref x, i)), predictor), ref Unsafe.Add(ref d, i));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter method 0 defines filter types 0 to 4.");
        }

        FilterScalar(filter, row, previous, bpp, destination, i);
    }

    /// <summary>Filters bytes <paramref name="start"/>.. of the row.</summary>
    private static void FilterScalar(PngFilterType filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> destination, int start)
    {
        for (int i = start; i < row.Length; i++)
        {
            int x = row[i];
            int a = i >= bpp ? row[i - bpp] : 0;
            int b = previous[i];
            int c = i >= bpp ? previous[i - bpp] : 0;
            int predictor = filter switch
            {
                PngFilterType.None => 0,
                PngFilterType.Sub => a,
                PngFilterType.Up => b,
                PngFilterType.Average => (a + b) >> 1,
                PngFilterType.Paeth => Paeth(a, b, c),
                _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter method 0 defines filter types 0 to 4."),
            };
            destination[i] = (byte)(x - predictor);
        }
    }

    private static void CheckArguments(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerPixel, 1);
        if (previous.Length < row.Length)
        {
            throw new ArgumentException("The previous row is shorter than the row.", nameof(previous));
        }
    }
}
