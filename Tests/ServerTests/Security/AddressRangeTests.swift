import Testing

@testable import Server

@Suite struct AddressRangeTests {
    @Test func ipv4BlocksContainTheirAddressesOnly() throws {
        let block = try #require(AddressRange("10.0.0.0/8"))
        #expect(block.contains("10.0.0.0"))
        #expect(block.contains("10.255.1.2"))
        #expect(!block.contains("11.0.0.1"))
        #expect(!block.contains("9.255.255.255"))
        #expect(block.description == "10.0.0.0/8")
    }

    @Test func prefixesThatDoNotEndOnAByteBoundary() throws {
        let block = try #require(AddressRange("192.168.0.0/23"))
        #expect(block.contains("192.168.0.1"))
        #expect(block.contains("192.168.1.255"))
        #expect(!block.contains("192.168.2.0"))
        let odd = try #require(AddressRange("172.16.0.0/12"))
        #expect(odd.contains("172.31.255.255"))
        #expect(!odd.contains("172.32.0.0"))
        #expect(!odd.contains("172.15.255.255"))
    }

    @Test func aBareAddressIsAHostBlock() throws {
        let host = try #require(AddressRange("192.0.2.7"))
        #expect(host.contains("192.0.2.7"))
        #expect(!host.contains("192.0.2.8"))
        let host6 = try #require(AddressRange("2001:db8::1"))
        #expect(host6.contains("2001:db8:0:0:0:0:0:1"))
        #expect(!host6.contains("2001:db8::2"))
    }

    @Test func zeroBitsContainsAllOfOneFamily() throws {
        let all4 = try #require(AddressRange("0.0.0.0/0"))
        #expect(all4.contains("0.0.0.0"))
        #expect(all4.contains("255.255.255.255"))
        #expect(!all4.contains("::1"))
        let all6 = try #require(AddressRange("::/0"))
        #expect(all6.contains("ffff::1"))
        #expect(!all6.contains("1.2.3.4"))
    }

    @Test func ipv6Blocks() throws {
        let linkLocal = try #require(AddressRange("fe80::/10"))
        #expect(linkLocal.contains("fe80::1"))
        #expect(linkLocal.contains("febf:ffff::1"))
        #expect(!linkLocal.contains("fec0::1"))
        let documentation = try #require(AddressRange("2001:db8::/32"))
        #expect(documentation.contains("2001:db8:ffff::42"))
        #expect(!documentation.contains("2001:db9::"))
        #expect(!documentation.contains("10.0.0.1"))
    }

    @Test func ipv4MappedIPv6CountsAsIPv4() throws {
        let block = try #require(AddressRange("127.0.0.0/8"))
        #expect(block.contains("::ffff:127.0.0.5"))
        #expect(block.contains("::FFFF:127.1.2.3"))
        #expect(!block.contains("::ffff:128.0.0.1"))
        // Only the mapped prefix is unwrapped: an IPv4-compatible or other IPv6 address with the same tail is not.
        #expect(!block.contains("::127.0.0.5"))
        #expect(!block.contains("64:ff9b::127.0.0.5"))
    }

    @Test func loopbackCoversBothFamilies() {
        let loopback = AddressRange.loopback
        #expect(loopback.contains(address: "127.0.0.1"))
        #expect(loopback.contains(address: "127.255.255.254"))
        #expect(loopback.contains(address: "::1"))
        #expect(loopback.contains(address: "::ffff:127.0.0.1"))
        #expect(!loopback.contains(address: "128.0.0.1"))
        #expect(!loopback.contains(address: "::2"))
        #expect(!loopback.contains(address: "10.0.0.1"))
        #expect(![AddressRange]().contains(address: "127.0.0.1"))
    }

    @Test(
        "bad blocks are refused",
        arguments: [
            "", "/", "/8", "abc", "10.0.0", "10.0.0.0.0", "256.0.0.0/8", "10.0.0.0/33",
            "10.0.0.0/-1", "10.0.0.0/8/9", "10.0.0.0/ 8", "10.0.0.0/eight", "::/129", "fe80::/1000",
            ":::/64", "10.0.0.0//8", "localhost", "10.0.0.0/99999999999999999999999",
        ])
    func badBlocksAreRefused(text: String) {
        #expect(AddressRange(text) == nil, "\(text.debugDescription) was accepted")
    }

    /// An empty side of the `/` is a typo (`10.0.0.0/` for `10.0.0.0/8`), not a host block.
    @Test func anEmptyPrefixLengthOrAddressIsRefused() {
        #expect(AddressRange("10.0.0.0/") == nil)
        #expect(AddressRange("/10.0.0.0") == nil)
        #expect(AddressRange("::1/") == nil)
    }

    @Test(
        "what is not an address is in no block",
        arguments: ["", "localhost", "10.0.0", "10.0.0.1/32", "10.0.0.1:110", "[::1]", "unknown", "1.2.3.4 "])
    func garbageIsInNoBlock(candidate: String) throws {
        let everything4 = try #require(AddressRange("0.0.0.0/0"))
        let everything6 = try #require(AddressRange("::/0"))
        #expect(!everything4.contains(candidate))
        #expect(!everything6.contains(candidate))
    }
}
