using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace FluxServe.Server.Inputs;

/// <summary>Which addresses the server may fetch input images from: public unicast only, unless
/// <see cref="Configuration.InputOptions.AllowedAddresses"/> lists the address (docs/inputs.md "Address policy").</summary>
/// <remarks>IPv6 forms that carry an IPv4 address (mapped <c>::ffff:a.b.c.d</c>, compatible <c>::a.b.c.d</c>, SIIT
/// <c>::ffff:0:a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c>) are judged by that IPv4 address, because that is
/// where the packets end up.</remarks>
public sealed class AddressPolicy
{
    private const string Private = "a private address";
    private const string Documentation = "a documentation address";

    private static readonly (IPNetwork Network, string Kind)[] RefusedIPv4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified (\"this network\") address"),
        (IPNetwork.Parse("10.0.0.0/8"), Private),
        (IPNetwork.Parse("100.64.0.0/10"), "a carrier-grade NAT address"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address (where cloud metadata services live)"),
        (IPNetwork.Parse("172.16.0.0/12"), Private),
        (IPNetwork.Parse("192.0.0.0/24"), "an IETF protocol address"),
        (IPNetwork.Parse("192.0.2.0/24"), Documentation),
        (IPNetwork.Parse("192.88.99.0/24"), "a 6to4 relay address"),
        (IPNetwork.Parse("192.168.0.0/16"), Private),
        (IPNetwork.Parse("198.18.0.0/15"), "a benchmarking address"),
        (IPNetwork.Parse("198.51.100.0/24"), Documentation),
        (IPNetwork.Parse("203.0.113.0/24"), Documentation),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved or broadcast address"),
    ];

    private static readonly (IPNetwork Network, string Kind)[] RefusedIPv6 =
    [
        (IPNetwork.Parse("::/128"), "an unspecified address"),
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "a local-use NAT64 address"),
        (IPNetwork.Parse("100::/64"), "a discard-only address"),
        (IPNetwork.Parse("2001::/32"), "a Teredo address"),
        (IPNetwork.Parse("2001:2::/48"), "a benchmarking address"),
        (IPNetwork.Parse("2001:db8::/32"), Documentation),
        (IPNetwork.Parse("3fff::/20"), Documentation),
        (IPNetwork.Parse("fc00::/7"), "a private (unique local) address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("fec0::/10"), "a site-local address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
    ];

    // Everything outside 2000::/3 (global unicast) that the list above does not name is unassigned or special.
    private static readonly IPNetwork GlobalUnicastIPv6 = IPNetwork.Parse("2000::/3");

    // Cloud metadata services by name; their addresses are refused anyway, but some resolve only inside the cloud.
    private static readonly FrozenSet<string> MetadataHostNames = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal");

    private readonly IPNetwork[] _allowed;

    /// <summary>A policy that also allows every address in <paramref name="allowedAddresses"/> (CIDR blocks or single addresses).</summary>
    /// <exception cref="ArgumentException">An entry is neither an address nor a CIDR block.</exception>
    public AddressPolicy(IEnumerable<string> allowedAddresses)
    {
        ArgumentNullException.ThrowIfNull(allowedAddresses);
        var allowed = new List<IPNetwork>();
        foreach (string entry in allowedAddresses)
        {
            string text = entry.Trim();
            if (IPAddress.TryParse(text, out var single) && !text.Contains('/', StringComparison.Ordinal))
            {
                allowed.Add(new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            // IPNetwork.TryParse clears host bits silently ("10.1.0.0/8" becomes 10.0.0.0/8); such a typo would widen the
            // allow-list, so a block is taken only when its address is already its base address.
            else if (IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/', StringComparison.Ordinal)), out var written)
                && network.BaseAddress.Equals(written))
            {
                allowed.Add(network);
            }
            else
            {
                throw new ArgumentException(
                    $"Inputs:AllowedAddresses entry '{entry}' is neither an IP address nor a CIDR block with zero host bits (e.g. 10.20.0.0/16).",
                    nameof(allowedAddresses));
            }
        }

        _allowed = [.. allowed];
    }

    /// <summary>The policy with nothing extra allowed.</summary>
    public static AddressPolicy Default { get; } = new([]);

    /// <summary>Whether the server may connect to <paramref name="address"/>.</summary>
    public bool IsAllowed(IPAddress address) => Refusal(address) is null;

    /// <summary>Why <paramref name="address"/> is refused, as a noun phrase ("a loopback address"), or null when it is allowed.</summary>
    public string? Refusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        IPAddress? embedded = EmbeddedIPv4(address);
        if (IsListed(address) || (embedded is not null && IsListed(embedded)))
        {
            return null;
        }

        if (embedded is not null)
        {
            return Lookup(RefusedIPv4, embedded);
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Lookup(RefusedIPv4, address);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }

        return Lookup(RefusedIPv6, address) ?? (GlobalUnicastIPv6.Contains(address) ? null : "a reserved IPv6 address");
    }

    /// <summary>Whether <paramref name="host"/> (a URL's host, any case, trailing dot allowed) is refused by name: cloud metadata
    /// hosts. No allow-list entry overrides this.</summary>
    public static bool IsRefusedHostName(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return MetadataHostNames.Contains(host.TrimEnd('.'));
    }

    /// <summary>The IPv4 address an IPv6 address carries (mapped, compatible, SIIT, NAT64, 6to4), or null.</summary>
    internal static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        ulong high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        uint third = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
        bool compatible = high == 0 && third == 0 && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback);
        bool siit = high == 0 && third == 0xFFFF_0000; // ::ffff:0:a.b.c.d (RFC 2765)
        bool nat64 = high == 0x0064_FF9B_0000_0000UL && third == 0; // 64:ff9b::/96 (RFC 6052)
        if (compatible || siit || nat64)
        {
            return new IPAddress(bytes[12..]);
        }

        if (bytes[0] == 0x20 && bytes[1] == 0x02) // 2002::/16 (RFC 3056)
        {
            return new IPAddress(bytes[2..6]);
        }

        return null;
    }

    private bool IsListed(IPAddress address)
    {
        foreach (var network in _allowed)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static string? Lookup((IPNetwork Network, string Kind)[] table, IPAddress address)
    {
        foreach (var (network, kind) in table)
        {
            if (network.Contains(address))
            {
                return kind;
            }
        }

        return null;
    }
}
