import Crypto
import Foundation
import Synchronization

/// The delay before a failed login is answered, growing per client address: base, 2×base, 4×base … up to a
/// maximum. A success or a quiet period resets it; the same wrong password sent again does not escalate (a client
/// retrying a stale saved password is not an attacker), as Dovecot's auth penalty does.
public final class LoginThrottle: Sendable {
    private struct Penalty {
        var failures: Int
        var lastFailure: ContinuousClock.Instant
        var lastPasswordDigest: [UInt8]
    }

    private let penalties = Mutex<[String: Penalty]>([:])
    private let base: Duration
    private let maximum: Duration
    private let quietPeriod: Duration
    /// A per-process key, so remembered password digests are useless outside this process.
    private let key = SymmetricKey(size: .bits256)
    private static let maximumTrackedAddresses = 100_000

    public init(base: Duration, maximum: Duration, quietPeriod: Duration = .seconds(900)) {
        self.base = base
        self.maximum = max(base, maximum)
        self.quietPeriod = quietPeriod
    }

    /// Records a failed login from `address` and returns how long to wait before answering it. "The same wrong
    /// password" means the same user and password, so one password sprayed over many users still escalates.
    func failure(address: String, user: String = "", password: [UInt8], now: ContinuousClock.Instant = .now)
        -> Duration
    {
        guard base > .zero else { return .zero }
        let digest = Array(HMAC<SHA256>.authenticationCode(for: Array(user.utf8) + [0] + password, using: key))
        return penalties.withLock { penalties in
            var penalty =
                penalties[address].flatMap { now - $0.lastFailure < quietPeriod ? $0 : nil }
                ?? Penalty(failures: 0, lastFailure: now, lastPasswordDigest: [])
            if penalty.failures == 0 || penalty.lastPasswordDigest != digest { penalty.failures += 1 }
            penalty.lastFailure = now
            penalty.lastPasswordDigest = digest
            if penalties.count >= Self.maximumTrackedAddresses, penalties[address] == nil {
                penalties.removeAll(keepingCapacity: true)  // a flood of addresses: forget rather than grow
            }
            penalties[address] = penalty
            return delay(afterFailures: penalty.failures)
        }
    }

    /// A good login from `address` clears its penalty.
    func success(address: String) {
        _ = penalties.withLock { $0.removeValue(forKey: address) }
    }

    func delay(afterFailures failures: Int) -> Duration {
        var delay = base
        for _ in 1..<max(1, min(failures, 32)) {
            delay = delay * 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
