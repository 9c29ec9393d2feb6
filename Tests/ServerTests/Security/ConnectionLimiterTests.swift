import Dispatch
import Synchronization
import Testing

@testable import Server

@Suite struct ConnectionLimiterTests {
    @Test func capsEachAddress() {
        let limiter = ConnectionLimiter(maximumTotal: 100, maximumPerAddress: 2, exempt: AddressRange.loopback)
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("192.0.2.1") == .overPerAddress)
        // A refusal counts nothing: still refused, and another address is unaffected.
        #expect(limiter.admit("192.0.2.1") == .overPerAddress)
        #expect(limiter.admit("192.0.2.2") == .admitted)
        limiter.release("192.0.2.1")
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("192.0.2.1") == .overPerAddress)
    }

    @Test func capsEachIPv6PrefixAsOneClient() {
        let limiter = ConnectionLimiter(maximumTotal: 100, maximumPerAddress: 2, exempt: [])
        #expect(limiter.admit("2001:db8:0:1::1") == .admitted)
        #expect(limiter.admit("2001:db8:0:1::2") == .admitted)
        #expect(limiter.admit("2001:db8:0:1:abcd::3") == .overPerAddress, "a new address in the same /64")
        #expect(limiter.admit("2001:db8:0:2::1") == .admitted)
        limiter.release("2001:db8:0:1::2")
        #expect(limiter.admit("2001:db8:0:1::4") == .admitted)
        let exact = ConnectionLimiter(
            maximumTotal: 100, maximumPerAddress: 1, exempt: [], grouping: ClientGrouping(ipv6PrefixLength: 128)!)
        #expect(exact.admit("2001:db8::1") == .admitted)
        #expect(exact.admit("2001:db8::2") == .admitted)
    }

    @Test func capsTheTotal() {
        let limiter = ConnectionLimiter(maximumTotal: 3, maximumPerAddress: 2, exempt: [])
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("192.0.2.2") == .admitted)
        #expect(limiter.admit("192.0.2.3") == .admitted)
        #expect(limiter.admit("192.0.2.4") == .overTotal)
        #expect(limiter.admit("192.0.2.1") == .overTotal)
        limiter.release("192.0.2.2")
        #expect(limiter.admit("192.0.2.4") == .admitted)
        #expect(limiter.admit("192.0.2.5") == .overTotal)
    }

    @Test func overBothCapsReportsTheTotal() {
        let limiter = ConnectionLimiter(maximumTotal: 2, maximumPerAddress: 1, exempt: [])
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("192.0.2.2") == .admitted)
        #expect(limiter.admit("192.0.2.1") == .overTotal)
    }

    @Test func loopbackIsExemptFromThePerAddressCapButNotFromTheTotal() {
        let limiter = ConnectionLimiter(maximumTotal: 5, maximumPerAddress: 1, exempt: AddressRange.loopback)
        for _ in 0..<4 { #expect(limiter.admit("127.0.0.1") == .admitted) }
        #expect(limiter.admit("::1") == .admitted)
        #expect(limiter.admit("127.0.0.1") == .overTotal)
        #expect(limiter.admit("::1") == .overTotal)
    }

    @Test func trustedNetworksAreExempt() throws {
        let trusted = try #require(AddressRange("10.1.0.0/16"))
        let limiter = ConnectionLimiter(maximumTotal: 100, maximumPerAddress: 1, exempt: [trusted])
        #expect(limiter.admit("10.1.2.3") == .admitted)
        #expect(limiter.admit("10.1.2.3") == .admitted)
        #expect(limiter.admit("10.1.2.3") == .admitted)
        #expect(limiter.admit("10.2.0.1") == .admitted)
        #expect(limiter.admit("10.2.0.1") == .overPerAddress)
        // With no exempt ranges, loopback is capped like anyone else.
        #expect(limiter.admit("127.0.0.1") == .admitted)
        #expect(limiter.admit("127.0.0.1") == .overPerAddress)
    }

    @Test func aProxiedConnectionMovesFromTheBalancerToItsClient() throws {
        let balancer = try #require(AddressRange("10.0.0.0/24"))
        let limiter = ConnectionLimiter(maximumTotal: 4, maximumPerAddress: 1, exempt: [balancer])
        // The balancer's connections wait for their headers under its (exempt) address.
        for _ in 0..<3 { #expect(limiter.admit("10.0.0.5") == .admitted) }
        #expect(limiter.reassign(from: "10.0.0.5", to: "192.0.2.1") == .admitted)
        #expect(limiter.reassign(from: "10.0.0.5", to: "192.0.2.1") == .overPerAddress, "the client's own cap")
        #expect(limiter.reassign(from: "10.0.0.5", to: "192.0.2.2") == .admitted)
        // A direct connection from a client already counted through the balancer is over its cap too.
        #expect(limiter.admit("192.0.2.1") == .overPerAddress)
        // A health check keeps the balancer's address: nothing moves.
        #expect(limiter.reassign(from: "10.0.0.5", to: "10.0.0.5") == .admitted)
        // The total never changed by moving: one slot left of four.
        #expect(limiter.admit("192.0.2.3") == .admitted)
        #expect(limiter.admit("192.0.2.4") == .overTotal)
        // Released under the address they were moved to (and the refused one under the balancer's).
        limiter.release("192.0.2.1")
        limiter.release("10.0.0.5")
        #expect(limiter.admit("192.0.2.1") == .admitted)
        #expect(limiter.admit("10.0.0.5") == .admitted)
        #expect(limiter.admit("10.0.0.5") == .overTotal)
    }

    @Test func balancersAreExemptFromThePerAddressCap() throws {
        var configuration = ServerConfiguration()
        configuration.maximumConnectionsPerAddress = 1
        configuration.proxyTrustedNetworks = [try #require(AddressRange("10.0.0.0/24"))]
        let limiter = ConnectionLimiter(configuration: configuration)
        for _ in 0..<3 { #expect(limiter.admit("10.0.0.5") == .admitted) }
        #expect(limiter.admit("10.0.1.5") == .admitted)
        #expect(limiter.admit("10.0.1.5") == .overPerAddress)
    }

    @Test func everyReleaseFreesExactlyOneSlot() {
        let limiter = ConnectionLimiter(maximumTotal: 4, maximumPerAddress: 4, exempt: [])
        for _ in 0..<4 { #expect(limiter.admit("192.0.2.9") == .admitted) }
        #expect(limiter.admit("192.0.2.9") == .overTotal)
        for _ in 0..<4 { limiter.release("192.0.2.9") }
        for _ in 0..<4 { #expect(limiter.admit("192.0.2.9") == .admitted) }
        #expect(limiter.admit("192.0.2.9") == .overTotal)
    }

    @Test func concurrentAdmitsNeverExceedTheCaps() {
        let limiter = ConnectionLimiter(maximumTotal: 50, maximumPerAddress: 10, exempt: [])
        let addresses = (0..<8).map { "198.51.100.\($0)" }
        let admitted = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 400) { index in
            let address = addresses[index % addresses.count]
            if limiter.admit(address) == .admitted { admitted.withLock { $0.append(address) } }
        }
        // 8 addresses × 10 = 80 per-address slots, but only 50 in total.
        let first = admitted.withLock { $0 }
        #expect(first.count == 50)
        for address in addresses { #expect(first.filter { $0 == address }.count <= 10) }
        DispatchQueue.concurrentPerform(iterations: first.count) { index in limiter.release(first[index]) }
        let again = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 400) { index in
            if limiter.admit(addresses[index % addresses.count]) == .admitted { again.withLock { $0 += 1 } }
        }
        #expect(again.withLock { $0 } == 50)
    }
}
