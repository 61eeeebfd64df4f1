using System.Net;
using FluxServe.Server.Inputs;

namespace FluxServe.Server.Tests.Inputs;

/// <summary>The address policy against the special-purpose registries (RFC 6890 and the IANA IPv4/IPv6 tables).</summary>
public sealed class AddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("fc00::1", "private")]
    [InlineData("fd12:3456::1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf:ffff::1", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.51.100.1", "documentation")]
    [InlineData("203.0.113.1", "documentation")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::127.0.0.1", "loopback")]
    [InlineData("::ffff:0:127.0.0.1", "loopback")]
    [InlineData("64:ff9b::127.0.0.1", "loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")]
    [InlineData("64:ff9b:1::1", "NAT64")]
    [InlineData("2002:7f00:1::1", "loopback")]
    [InlineData("2001::1", "Teredo")]
    [InlineData("100::1", "discard")]
    [InlineData("4000::1", "reserved")]
    public void Special_addresses_are_refused(string address, string kind)
    {
        string? refusal = AddressPolicy.Default.Refusal(IPAddress.Parse(address));
        Assert.NotNull(refusal);
        Assert.Contains(kind, refusal);
        Assert.False(AddressPolicy.Default.IsAllowed(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Public_unicast_addresses_are_allowed(string address)
    {
        Assert.Null(AddressPolicy.Default.Refusal(IPAddress.Parse(address)));
    }

    [Fact]
    public void Allowed_addresses_override_the_ranges_they_cover_and_nothing_else()
    {
        var policy = new AddressPolicy(["10.20.0.0/16", "127.0.0.2", " fd00:abcd::/32 "]);
        Assert.True(policy.IsAllowed(IPAddress.Parse("10.20.1.1")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("::ffff:10.20.1.1")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("64:ff9b::10.20.1.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("10.21.0.1")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("127.0.0.2")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("127.0.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("127.0.0.3")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("fd00:abcd::5")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("fd00:abce::5")));
        Assert.False(AddressPolicy.Default.IsAllowed(IPAddress.Parse("10.20.1.1")));
    }

    [Theory]
    [InlineData("intranet")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.1.0.0/8")]
    [InlineData("")]
    public void Entries_that_are_not_addresses_or_blocks_are_refused(string entry)
    {
        var error = Assert.Throws<ArgumentException>(() => new AddressPolicy([entry]));
        Assert.Contains("Inputs:AllowedAddresses", error.Message);
    }

    [Theory]
    [InlineData("metadata.google.internal", true)]
    [InlineData("METADATA.GOOGLE.INTERNAL.", true)]
    [InlineData("metadata.goog", true)]
    [InlineData("metadata", true)]
    [InlineData("instance-data", true)]
    [InlineData("instance-data.ec2.internal", true)]
    [InlineData("example.com", false)]
    [InlineData("metadata.example.com", false)]
    public void Metadata_host_names_are_refused_by_name(string host, bool refused)
    {
        Assert.Equal(refused, AddressPolicy.IsRefusedHostName(host));
    }
}
