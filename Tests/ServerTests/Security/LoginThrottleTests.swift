import Testing

@testable import Server

@Suite struct LoginThrottleTests {
    private static let address = "192.0.2.10"
    private let start = ContinuousClock.now

    private func password(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func delayDoublesFromTheBaseUpToTheMaximum() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15))
        let delays = (0..<6).map { index in
            throttle.failure(
                address: Self.address, password: password("guess \(index)"), now: start + .seconds(index))
        }
        #expect(delays == [.seconds(2), .seconds(4), .seconds(8), .seconds(15), .seconds(15), .seconds(15)])
    }

    @Test func eachAddressHasItsOwnPenalty() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15))
        _ = throttle.failure(address: Self.address, password: password("a"), now: start)
        _ = throttle.failure(address: Self.address, password: password("b"), now: start + .seconds(1))
        #expect(
            throttle.failure(address: "192.0.2.11", password: password("c"), now: start + .seconds(2)) == .seconds(2))
        #expect(
            throttle.failure(address: "2001:db8::1", password: password("c"), now: start + .seconds(2)) == .seconds(2))
        #expect(
            throttle.failure(address: Self.address, password: password("c"), now: start + .seconds(3)) == .seconds(8))
    }

    @Test func theSameWrongPasswordAgainDoesNotEscalate() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15))
        let stale = password("old saved password")
        for second in 0..<5 {
            #expect(
                throttle.failure(address: Self.address, password: stale, now: start + .seconds(second)) == .seconds(2))
        }
        // A different password escalates from where the penalty stood.
        #expect(
            throttle.failure(address: Self.address, password: password("other"), now: start + .seconds(6))
                == .seconds(4))
        #expect(
            throttle.failure(address: Self.address, password: password("other"), now: start + .seconds(7))
                == .seconds(4))
        // Going back to an earlier password is a new guess again.
        #expect(throttle.failure(address: Self.address, password: stale, now: start + .seconds(8)) == .seconds(8))
    }

    @Test func anEmptyPasswordIsAPasswordLikeAnyOther() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15))
        #expect(throttle.failure(address: Self.address, password: [], now: start) == .seconds(2))
        #expect(throttle.failure(address: Self.address, password: [], now: start + .seconds(1)) == .seconds(2))
        #expect(throttle.failure(address: Self.address, password: [0], now: start + .seconds(2)) == .seconds(4))
    }

    @Test func aSuccessClearsThatUsersFailuresOnly() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15))
        for index in 0..<3 {
            _ = throttle.failure(
                address: Self.address, user: "victim", password: password("guess \(index)"),
                now: start + .seconds(index))
        }
        _ = throttle.failure(
            address: Self.address, user: "mallory", password: password("typo"), now: start + .seconds(3))
        #expect(throttle.failures(address: Self.address, now: start + .seconds(4)) == 4)
        throttle.success(address: "192.0.2.99", user: "victim")  // another address's success changes nothing here
        // The attacker logs in to an account of their own: only that account's failures (the typo) go.
        throttle.success(address: Self.address, user: "mallory")
        #expect(throttle.failures(address: Self.address, now: start + .seconds(4)) == 3)
        #expect(
            throttle.failure(address: Self.address, user: "victim", password: password("x"), now: start + .seconds(5))
                == .seconds(15))
        // The victim, who mistyped, logs in: their failures from this address are forgiven.
        throttle.success(address: Self.address, user: "victim")
        #expect(throttle.failures(address: Self.address, now: start + .seconds(6)) == 0)
        #expect(
            throttle.failure(address: Self.address, user: "victim", password: password("y"), now: start + .seconds(6))
                == .seconds(2))
    }

    @Test func guessesAtManyUsersCountEvenBeyondTheTrackedNames() {
        let throttle = LoginThrottle(base: .seconds(1), maximum: .seconds(1_000))
        for index in 0..<100 {
            _ = throttle.failure(address: Self.address, user: "user\(index)", password: password("p"), now: start)
        }
        #expect(throttle.failures(address: Self.address, now: start) == 100)
        for index in 0..<100 { throttle.success(address: Self.address, user: "user\(index)") }
        // Only the names it tracks can be forgiven; the rest stay counted.
        #expect(throttle.failures(address: Self.address, now: start) == 36)
    }

    @Test func ipv6ClientsAreCountedPerPrefix() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(60))
        for (index, host) in ["2001:db8:0:1::1", "2001:db8:0:1::2", "2001:db8:0:1:ffff:ffff:ffff:ffff"].enumerated() {
            _ = throttle.failure(address: host, user: "u", password: password("\(index)"), now: start)
        }
        #expect(throttle.failures(address: "2001:db8:0:1::99", now: start) == 3)
        #expect(throttle.failures(address: "2001:db8:0:2::1", now: start) == 0)
        let wider = LoginThrottle(
            base: .seconds(2), maximum: .seconds(60), grouping: ClientGrouping(ipv6PrefixLength: 48)!)
        _ = wider.failure(address: "2001:db8:0:1::1", user: "u", password: password("a"), now: start)
        _ = wider.failure(address: "2001:db8:0:2::1", user: "u", password: password("b"), now: start)
        #expect(wider.failures(address: "2001:db8:0:ffff::1", now: start) == 2)
    }

    @Test func atCapacityTheLongestIdleAreForgottenNotEveryone() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15), capacity: 10)
        for index in 0..<10 {
            _ = throttle.failure(
                address: "192.0.2.\(index)", user: "u", password: password("p"), now: start + .seconds(index))
        }
        _ = throttle.failure(address: "192.0.2.200", user: "u", password: password("p"), now: start + .seconds(10))
        #expect(throttle.failures(address: "192.0.2.0", now: start + .seconds(10)) == 0, "the oldest went")
        for index in 1..<10 {
            #expect(throttle.failures(address: "192.0.2.\(index)", now: start + .seconds(10)) == 1, "\(index)")
        }
        #expect(throttle.failures(address: "192.0.2.200", now: start + .seconds(10)) == 1)
        // Entries past their quiet period go before any live one.
        let later = start + .seconds(9) + .seconds(900)
        _ = throttle.failure(address: "192.0.2.201", user: "u", password: password("p"), now: later)
        #expect(throttle.failures(address: "192.0.2.200", now: later) == 1)
    }

    @Test func aQuietPeriodResetsThePenalty() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15))
        _ = throttle.failure(address: Self.address, password: password("a"), now: start)
        _ = throttle.failure(address: Self.address, password: password("b"), now: start + .seconds(1))
        // 14 min 59 s after the last failure the penalty still stands...
        let stillRemembered = start + .seconds(1) + .seconds(899)
        #expect(throttle.failure(address: Self.address, password: password("c"), now: stillRemembered) == .seconds(8))
        // ...and the quiet period counts from the newest failure: 15 minutes after it, it starts over.
        let quiet = stillRemembered + .seconds(900)
        #expect(throttle.failure(address: Self.address, password: password("d"), now: quiet) == .seconds(2))
        #expect(
            throttle.failure(address: Self.address, password: password("e"), now: quiet + .seconds(1)) == .seconds(4))
    }

    @Test func aShorterQuietPeriodIsHonoured() {
        let throttle = LoginThrottle(base: .seconds(1), maximum: .seconds(4), quietPeriod: .seconds(10))
        _ = throttle.failure(address: Self.address, password: password("a"), now: start)
        #expect(
            throttle.failure(address: Self.address, password: password("b"), now: start + .seconds(9)) == .seconds(2))
        #expect(
            throttle.failure(address: Self.address, password: password("c"), now: start + .seconds(19)) == .seconds(1))
    }

    @Test func zeroBaseNeverDelays() {
        let throttle = LoginThrottle(base: .zero, maximum: .seconds(15))
        for index in 0..<10 {
            #expect(throttle.failure(address: Self.address, password: password("\(index)"), now: start) == .zero)
        }
    }

    @Test func fractionalBaseAndAMaximumBelowTheBase() {
        let fractional = LoginThrottle(base: .milliseconds(250), maximum: .seconds(1))
        let delays = (0..<4).map {
            fractional.failure(address: Self.address, password: password("\($0)"), now: start + .seconds($0))
        }
        #expect(delays == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(1)])
        // A maximum below the base is raised to the base: never shorter than asked, never longer either.
        let inverted = LoginThrottle(base: .seconds(3), maximum: .seconds(1))
        #expect(inverted.failure(address: Self.address, password: password("a"), now: start) == .seconds(3))
        #expect(inverted.failure(address: Self.address, password: password("b"), now: start) == .seconds(3))
    }

    @Test func manyFailuresDoNotOverflow() {
        let throttle = LoginThrottle(base: .seconds(2), maximum: .seconds(15))
        #expect(throttle.delay(afterFailures: 0) == .seconds(2))
        #expect(throttle.delay(afterFailures: 1) == .seconds(2))
        #expect(throttle.delay(afterFailures: 1_000) == .seconds(15))
        #expect(throttle.delay(afterFailures: .max) == .seconds(15))
        var last = Duration.zero
        for index in 0..<200 {
            last = throttle.failure(address: Self.address, password: password("\(index)"), now: start)
        }
        #expect(last == .seconds(15))
    }
}
