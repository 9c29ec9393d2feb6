import Foundation
import Storage
import Synchronization
import Testing

@testable import Server

@Suite struct CachingUserStoreTests {
    @Test func aSecondGoodVerificationIsACacheHit() async throws {
        let database = try await TemporaryUserDatabase.make()
        let users = CachingUserStore(wrapping: database.users, lifetime: .seconds(300))
        #expect(!users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(users.statistics == (hits: 0, verifications: 1))
        #expect(users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(users.statistics == (hits: 2, verifications: 1))
        // The entry is for this user and this password only.
        #expect(!users.isCached(name: "bob", password: "alice pw"))
        #expect(!users.isCached(name: "alice", password: "alice pw "))
        #expect(!users.isCached(name: "ALICE", password: "alice pw"))
    }

    @Test func wrongPasswordsAndUnknownUsersAreNeverCached() async throws {
        let database = try await TemporaryUserDatabase.make()
        let users = CachingUserStore(wrapping: database.users, lifetime: .seconds(300))
        #expect(try await users.verify(name: "alice", password: "wrong") == .invalid)
        #expect(try await users.verify(name: "alice", password: "wrong") == .invalid)
        #expect(try await users.verify(name: "nobody", password: "whatever") == .invalid)
        #expect(try await users.verify(name: "nobody", password: "whatever") == .invalid)
        #expect(users.statistics == (hits: 0, verifications: 4))
        #expect(!users.isCached(name: "alice", password: "wrong"))
        #expect(!users.isCached(name: "nobody", password: "whatever"))
    }

    @Test func aWrongPasswordNeitherHitsNorEvictsTheGoodEntry() async throws {
        let database = try await TemporaryUserDatabase.make()
        let users = CachingUserStore(wrapping: database.users, lifetime: .seconds(300))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(try await users.verify(name: "alice", password: "alice pw!") == .invalid)
        #expect(try await users.verify(name: "alice", password: "") == .invalid)
        #expect(users.statistics == (hits: 0, verifications: 3))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(users.statistics == (hits: 1, verifications: 3))
    }

    @Test func changingThePasswordDropsTheEntry() async throws {
        let database = try await TemporaryUserDatabase.make()
        let users = CachingUserStore(wrapping: database.users, lifetime: .seconds(300))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(try await users.verify(name: "bob", password: "bob pw") == .valid)
        #expect(try await users.changePassword(name: "alice", newPassword: "new alice pw"))
        #expect(!users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .invalid)
        #expect(try await users.verify(name: "alice", password: "new alice pw") == .valid)
        #expect(users.isCached(name: "alice", password: "new alice pw"))
        // Other users keep theirs.
        #expect(users.isCached(name: "bob", password: "bob pw"))
        // Changing a missing user's password changes nothing and says so.
        #expect(try await !users.changePassword(name: "nobody", newPassword: "x"))
    }

    @Test func deletingTheUserDropsTheEntry() async throws {
        let database = try await TemporaryUserDatabase.make()
        let users = CachingUserStore(wrapping: database.users, lifetime: .seconds(300))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(try await users.deleteUser(name: "alice"))
        #expect(!users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .invalid)
        // A user created again under the old name with the old password is verified afresh, not from the cache.
        try await users.createUser(name: "alice", password: "alice pw")
        let before = users.statistics
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(users.statistics.verifications == before.verifications + 1)
        #expect(users.statistics.hits == before.hits)
    }

    @Test func lifetimeZeroTurnsTheCacheOff() async throws {
        let database = try await TemporaryUserDatabase.make()
        let users = CachingUserStore(wrapping: database.users, lifetime: .zero)
        for _ in 0..<3 {
            #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
            #expect(!users.isCached(name: "alice", password: "alice pw"))
        }
        #expect(users.statistics == (hits: 0, verifications: 3))
    }

    @Test func entriesExpire() async throws {
        let database = try await TemporaryUserDatabase.make()
        let clock = ManualClock()
        let users = CachingUserStore(wrapping: database.users, lifetime: .seconds(300), now: clock.now)
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(users.isCached(name: "alice", password: "alice pw"))
        clock.advance(by: .seconds(299))
        #expect(users.isCached(name: "alice", password: "alice pw"))
        clock.advance(by: .seconds(1))
        #expect(!users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        #expect(users.statistics == (hits: 0, verifications: 2))
    }

    @Test func listingAndCreatingPassThrough() async throws {
        let database = try await TemporaryUserDatabase.make()
        let users = CachingUserStore(wrapping: database.users, lifetime: .seconds(300))
        try await users.createUser(name: "carol", password: "carol pw")
        #expect(try await users.listUsers().map(\.name) == ["alice", "bob", "carol"])
        await #expect(throws: (any Error).self) { try await users.createUser(name: "carol", password: "other") }
        #expect(try await users.verify(name: "carol", password: "carol pw") == .valid)
    }

    /// A verification that read the old hash, but finishes after the change, must not be cached.
    @Test func aVerificationRacingAPasswordChangeIsNotCached() async throws {
        let database = try await TemporaryUserDatabase.make()
        let gated = GatedUserStore(wrapping: database.users, gate: .afterVerify)
        let users = CachingUserStore(wrapping: gated, lifetime: .seconds(300))
        let result = ResultBox()
        let running = Task { await result.set { try await users.verify(name: "alice", password: "alice pw") } }
        await gated.waitUntilParked()
        #expect(try await users.changePassword(name: "alice", newPassword: "changed"))
        gated.open()
        await running.value
        #expect(try result.get() == .valid, "the old password was right when it was checked")
        #expect(!users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .invalid)
    }

    /// A verification that finishes while a change is under way (cached before the new hash is written) is
    /// dropped when the change completes.
    @Test func aVerificationDuringAPasswordChangeIsDroppedAfterIt() async throws {
        let database = try await TemporaryUserDatabase.make()
        let gated = GatedUserStore(wrapping: database.users, gate: .beforeChange)
        let users = CachingUserStore(wrapping: gated, lifetime: .seconds(300))
        let changed = ResultBox()
        let running = Task {
            await changed.set {
                try await users.changePassword(name: "alice", newPassword: "changed") ? .valid : .invalid
            }
        }
        await gated.waitUntilParked()
        #expect(try await users.verify(name: "alice", password: "alice pw") == .valid)
        gated.open()
        await running.value
        #expect(try changed.get() == .valid)
        #expect(!users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .invalid)
        #expect(try await users.verify(name: "alice", password: "changed") == .valid)
    }

    /// The same race against a deletion.
    @Test func aVerificationRacingADeletionIsNotCached() async throws {
        let database = try await TemporaryUserDatabase.make()
        let gated = GatedUserStore(wrapping: database.users, gate: .afterVerify)
        let users = CachingUserStore(wrapping: gated, lifetime: .seconds(300))
        let result = ResultBox()
        let running = Task { await result.set { try await users.verify(name: "alice", password: "alice pw") } }
        await gated.waitUntilParked()
        #expect(try await users.deleteUser(name: "alice"))
        gated.open()
        await running.value
        #expect(!users.isCached(name: "alice", password: "alice pw"))
        #expect(try await users.verify(name: "alice", password: "alice pw") == .invalid)
    }
}

/// A clock that moves only when told, for expiry tests that must not depend on how fast the machine runs.
final class ManualClock: Sendable {
    private let current = Mutex(ContinuousClock.now)

    var now: @Sendable () -> ContinuousClock.Instant { { [self] in current.withLock { $0 } } }

    func advance(by duration: Duration) { current.withLock { $0 += duration } }
}
