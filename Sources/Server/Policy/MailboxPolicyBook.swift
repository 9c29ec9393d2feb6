import Foundation
import Logging
public import POP3Core
public import Storage
import Synchronization

/// The server's LOGIN-DELAY and EXPIRE defaults (`--login-delay`, `--expire`), which a user's own values override.
public struct PolicyDefaults: Sendable, Equatable {
    public var loginDelaySeconds: Int
    /// nil: EXPIRE NEVER.
    public var expireDays: Int?

    public init(loginDelaySeconds: Int = 0, expireDays: Int? = nil) {
        self.loginDelaySeconds = loginDelaySeconds
        self.expireDays = expireDays
    }
}

/// Where the mailbox policies meet: the server's defaults, each user's own values (in the store), and what CAPA
/// shows before login (kept here, so a new connection reads it without a database round trip; refreshed when a
/// value changes through the monitor, and at most a minute late for changes made on another node).
public final class MailboxPolicyBook: Sendable {
    public let defaults: PolicyDefaults
    public let store: any MailboxPolicyStore
    private let advertised: Mutex<(PolicyAdvertisement, refreshedAt: ContinuousClock.Instant?)>

    static let refreshInterval: Duration = .seconds(60)

    public init(defaults: PolicyDefaults, store: any MailboxPolicyStore) {
        self.defaults = defaults
        self.store = store
        self.advertised = Mutex(
            (Self.advertisement(defaults: defaults, inUse: PolicyOverridesInUse()), refreshedAt: nil))
    }

    /// A user's policy: their own values where they have them, the server's otherwise.
    public func effective(_ override: UserPolicyOverride) -> MailboxPolicy {
        let expire: Int? =
            switch override.expire {
            case nil: defaults.expireDays
            case .never?: nil
            case .days(let days)?: days
            }
        return MailboxPolicy(
            loginDelaySeconds: override.loginDelaySeconds ?? defaults.loginDelaySeconds, expireDays: expire)
    }

    /// CAPA before login. Starts a refresh when the last one is over a minute old (the caller does not wait).
    public var advertisement: PolicyAdvertisement {
        let (current, refreshedAt) = advertised.withLock { $0 }
        if let refreshedAt, ContinuousClock.now - refreshedAt < Self.refreshInterval { return current }
        advertised.withLock { $0.refreshedAt = .now }  // one refresh at a time, even if it fails
        Task { try? await self.refresh() }
        return current
    }

    /// EXPIRE n: remembers when a message was first retrieved, without making anyone wait.
    func noteRetrieval(user: MailboxName, uidl: String, logger: Logger) {
        let store = self.store
        Task {
            do {
                try await store.recordRetrievals(user: user, uidls: [uidl], at: Date().timeIntervalSince1970)
            } catch {
                logger.warning("cannot record a retrieval for EXPIRE", metadata: ["error": "\(error)"])
            }
        }
    }

    /// False while neither the server nor any user has a LOGIN-DELAY or an EXPIRE (as of the last refresh).
    var anyPolicy: Bool {
        defaults != PolicyDefaults() || advertisement != .none
    }

    /// Reads the per-user values in use again.
    public func refresh() async throws {
        let inUse = try await store.overridesInUse()
        let advertisement = Self.advertisement(defaults: defaults, inUse: inUse)
        advertised.withLock { $0 = (advertisement, refreshedAt: .now) }
    }

    /// The smallest value any user meets, and whether they differ (RFC 2449: `USER` before login).
    static func advertisement(defaults: PolicyDefaults, inUse: PolicyOverridesInUse) -> PolicyAdvertisement {
        let delays = inUse.loginDelaySeconds.union([defaults.loginDelaySeconds])
        let expires: Set<Int?> = Set(
            inUse.expire.map { override -> Int? in
                if case .days(let days) = override { return days }
                return nil
            }
        ).union([defaults.expireDays])
        let finite = expires.compactMap { $0 }
        return PolicyAdvertisement(
            smallest: MailboxPolicy(loginDelaySeconds: delays.min() ?? 0, expireDays: finite.min()),
            variation: PolicyVariation(loginDelay: delays.count > 1, expire: expires.count > 1))
    }
}
