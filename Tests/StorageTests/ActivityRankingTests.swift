import Foundation
import Storage
import Testing

/// The report's rankings over the session and login history, on every backend.
@Suite("Activity rankings")
struct ActivityRankingTests {
    @Test(arguments: BackendKind.available)
    func topUsersAndFailedPeersSinceATime(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            let now = Date(timeIntervalSince1970: 1_800_057_610.5)
            func session(_ user: String?, bytes: Int64, retr: Int, ended: TimeInterval) -> SessionRecord {
                SessionRecord(
                    sessionID: UUID().uuidString, user: user, peer: "10.0.0.9",
                    startedAt: now.addingTimeInterval(ended - 1),
                    endedAt: now.addingTimeInterval(ended), bytesIn: 1, bytesOut: bytes, retrCount: retr, topCount: 0,
                    deleCount: 0, endReason: .quit)
            }
            try await storage.stores.sessions.record([
                session("ann", bytes: 300, retr: 1, ended: -10), session("ann", bytes: 700, retr: 2, ended: -5),
                session("bob", bytes: 1_000, retr: 4, ended: -1), session("cy", bytes: 5, retr: 0, ended: 0),
                session(nil, bytes: 9_999, retr: 0, ended: -1), session("dee", bytes: 50_000, retr: 9, ended: -100),
            ])
            try await storage.stores.authEvents.record([
                AuthEvent(time: now, userName: "x", peer: "10.0.0.1", result: .failed),
                AuthEvent(time: now.addingTimeInterval(-3), userName: "x", peer: "10.0.0.1", result: .failed),
                AuthEvent(time: now, userName: "x", peer: "10.0.0.2", result: .failed),
                AuthEvent(time: now, userName: "x", peer: "10.0.0.3", result: .ok),
                AuthEvent(time: now, userName: "x", peer: "10.0.0.3", result: .inUse),
                AuthEvent(time: now.addingTimeInterval(-100), userName: "x", peer: "10.0.0.4", result: .failed),
            ])
            let ranking = try #require(storage.stores.sessions as? any ActivityRanking)
            let since = now.addingTimeInterval(-50)
            // Ties by bytes (ann and bob: 1,000) are broken by name; no user and older rows are left out.
            #expect(
                try await ranking.topUsersByBytes(since: since, limit: 10) == [
                    UserTrafficTotal(user: "ann", sessions: 2, bytesOut: 1_000, retrieved: 3),
                    UserTrafficTotal(user: "bob", sessions: 1, bytesOut: 1_000, retrieved: 4),
                    UserTrafficTotal(user: "cy", sessions: 1, bytesOut: 5, retrieved: 0),
                ])
            #expect(try await ranking.topUsersByBytes(since: since, limit: 1).map(\.user) == ["ann"])
            #expect(
                try await ranking.failedLoginsByPeer(since: since, limit: 10) == [
                    PeerFailureCount(peer: "10.0.0.1", failed: 2, lastFailure: now),
                    PeerFailureCount(peer: "10.0.0.2", failed: 1, lastFailure: now),
                ])
            #expect(try await ranking.failedLoginsByPeer(since: now.addingTimeInterval(1), limit: 10).isEmpty)
            await database.close(storage)
        }
    }
}
