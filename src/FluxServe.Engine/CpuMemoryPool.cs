using System.Runtime.InteropServices;

namespace FluxServe.Engine;

/// <summary>
/// Keeps freed large host buffers for reuse by the next allocation of the same size. A denoising loop allocates the
/// same activation shapes every step; fresh multi-megabyte blocks come from the OS and pay page-fault zeroing on
/// first touch each time (measured: RoPE at 4096 tokens 33 ms fresh vs 15 ms reused).
/// </summary>
/// <remarks>
/// Only blocks of at least <see cref="MinimumBytes"/> are kept, matched by exact size, up to <see cref="CapacityBytes"/>
/// in all (<c>FLUXSERVE_CPU_POOL_MB</c>, default 2048; 0 disables pooling). Beyond the cap a freed block goes back to
/// the OS.
/// </remarks>
internal static unsafe class CpuMemoryPool
{
    public const long MinimumBytes = 1 << 20;
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<long, Stack<nint>> s_free = [];
    private static long s_pooledBytes;

    public static long CapacityBytes { get; } =
        long.TryParse(Environment.GetEnvironmentVariable("FLUXSERVE_CPU_POOL_MB"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long mb)
            ? mb << 20
            : 2048L << 20;

    /// <summary>Bytes held for reuse.</summary>
    public static long PooledBytes => Interlocked.Read(ref s_pooledBytes);

    /// <summary>A block of exactly <paramref name="bytes"/> from the pool, or a new aligned one.</summary>
    public static void* Rent(long bytes)
    {
        if (bytes >= MinimumBytes)
        {
            lock (s_gate)
            {
                if (s_free.TryGetValue(bytes, out var stack) && stack.TryPop(out nint block))
                {
                    s_pooledBytes -= bytes;
                    return (void*)block;
                }
            }
        }

        return NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
    }

    /// <summary>Keeps the block for reuse, or frees it.</summary>
    public static void Return(void* block, long bytes)
    {
        if (bytes >= MinimumBytes)
        {
            lock (s_gate)
            {
                if (s_pooledBytes + bytes <= CapacityBytes)
                {
                    if (!s_free.TryGetValue(bytes, out var stack))
                    {
                        s_free[bytes] = stack = new Stack<nint>();
                    }

                    stack.Push((nint)block);
                    s_pooledBytes += bytes;
                    return;
                }
            }
        }

        NativeMemory.AlignedFree(block);
    }

    /// <summary>Frees every pooled block (tests, and a server under memory pressure).</summary>
    public static void Trim()
    {
        lock (s_gate)
        {
            foreach (var stack in s_free.Values)
            {
                while (stack.TryPop(out nint block))
                {
                    NativeMemory.AlignedFree((void*)block);
                }
            }

            s_free.Clear();
            s_pooledBytes = 0;
        }
    }
}
