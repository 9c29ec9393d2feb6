import Testing

@testable import Server

@Suite struct ClientGroupingTests {
    @Test(arguments: [
        ("192.0.2.7", 64, "192.0.2.7"),
        ("::ffff:192.0.2.7", 64, "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::9", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"),
        ("2001:db8:1:2:3:4:5:6", 60, "2001:db8:1::/60"),
        ("2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6"),
        ("fe80::1", 64, "fe80::/64"),
        ("::1", 64, "::/64"),
        ("unknown", 64, "unknown"),
    ])
    func keys(address: String, bits: Int, key: String) throws {
        let grouping = try #require(ClientGrouping(ipv6PrefixLength: bits))
        #expect(grouping.key(for: address) == key)
    }

    @Test func prefixLengthsOutsideTheAddressAreRefused() {
        #expect(ClientGrouping(ipv6PrefixLength: 0) == nil)
        #expect(ClientGrouping(ipv6PrefixLength: 129) == nil)
    }
}
