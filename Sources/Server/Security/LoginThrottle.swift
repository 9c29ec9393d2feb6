import Crypto
import Foundation
import Synchronization

/// The delay before a failed login is answered, growing per client (an address, or an IPv6 prefix: see
/// `ClientGrouping`): base, 2×base, 4×base … up to a maximum, from the failures of the last quiet period.
/// - The same wrong password sent again does not escalate (a client retrying a stale saved password is not an
///   attacker), as Dovecot's auth penalty does.
/// - A good login clears only the failures that client had for that same user (someone who mistyped their own
///   password), never the rest: an attacker who owns one account cannot reset the penalty of guesses at others.
/// - At capacity, the entries idle longest are forgotten first; the table is never wiped whole.
public final class LoginThrottle: Sendable {
    private struct Penalty {
        /// Failures per user name (a keyed digest of it), at most `maximumUsersPerClient` of them; failures at
        /// other names beyond that go to `unattributed`, which no success clears.
        var failuresByUser: [[UInt8]: Int] = [:]
        var unattributed = 0
        var lastFailure: ContinuousClock.Instant
        var lastAttemptDigest: [UInt8] = []

        var failures: Int { failuresByUser.values.reduce(unattributed, +) }
    }

    private let penalties = Mutex<[String: Penalty]>([:])
    private let base: Duration
    private let maximum: Duration
    private let quietPeriod: Duration
    private let grouping: ClientGrouping
    private let capacity: Int
    /// A per-process key, so remembered digests are useless outside this process.
    private let key = SymmetricKey(size: .bits256)
    private static let maximumUsersPerClient = 64

    public init(
        base: Duration, maximum: Duration, quietPeriod: Duration = .seconds(900), grouping: ClientGrouping = .standard,
        capacity: Int = 100_000
    ) {
        self.base = base
        self.maximum = max(base, maximum)
        self.quietPeriod = quietPeriod
        self.grouping = grouping
        self.capacity = max(1, capacity)
    }

    /// Records a failed login from `address` and returns how long to wait before answering it. "The same wrong
    /// password" means the same user and password, so one password sprayed over many users still escalates.
    func failure(address: String, user: String = "", password: [UInt8], now: ContinuousClock.Instant = .now)
        -> Duration
    {
        guard base > .zero else { return .zero }
        let client = grouping.key(for: address)
        let userDigest = digest(Array(user.utf8))
        let attemptDigest = digest(Array(user.utf8) + [0] + password)
        return penalties.withLock { penalties in
            var penalty =
                penalties[client].flatMap { now - $0.lastFailure < quietPeriod ? $0 : nil } ?? Penalty(lastFailure: now)
            if penalty.failures == 0 || penalty.lastAttemptDigest != attemptDigest {
                if penalty.failuresByUser[userDigest] != nil
                    || penalty.failuresByUser.count < Self.maximumUsersPerClient
                {
                    penalty.failuresByUser[userDigest, default: 0] += 1
                } else {
                    penalty.unattributed += 1
                }
            }
            penalty.lastFailure = now
            penalty.lastAttemptDigest = attemptDigest
            if penalties[client] == nil, penalties.count >= capacity { evictOldest(&penalties, now: now) }
            penalties[client] = penalty
            return delay(afterFailures: penalty.failures)
        }
    }

    /// A good login of `user` from `address` clears that client's failures at that user name, and only those.
    func success(address: String, user: String) {
        let client = grouping.key(for: address)
        penalties.withLock { penalties in
            // Every good login passes here; the digest is worth computing only for a client with failures.
            guard var penalty = penalties[client] else { return }
            penalty.failuresByUser[digest(Array(user.utf8))] = nil
            penalties[client] = penalty.failures == 0 ? nil : penalty
        }
    }

    /// Failures that count for `address` now (for tests).
    func failures(address: String, now: ContinuousClock.Instant = .now) -> Int {
        penalties.withLock { penalties in
            guard let penalty = penalties[grouping.key(for: address)], now - penalty.lastFailure < quietPeriod else {
                return 0
            }
            return penalty.failures
        }
    }

    func delay(afterFailures failures: Int) -> Duration {
        var delay = base
        for _ in 1..<max(1, min(failures, 32)) {
            delay = delay * 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }

    /// Makes room for one more client: drops every entry past its quiet period, and if that frees nothing, the
    /// tenth idle longest. Sorting happens at most once per tenth of the capacity of new clients.
    private func evictOldest(_ penalties: inout [String: Penalty], now: ContinuousClock.Instant) {
        penalties = penalties.filter { now - $0.value.lastFailure < quietPeriod }
        guard penalties.count >= capacity else { return }
        let oldest = penalties.sorted { $0.value.lastFailure < $1.value.lastFailure }.prefix(max(1, capacity / 10))
        for (client, _) in oldest { penalties[client] = nil }
    }

    private func digest(_ bytes: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }
}
