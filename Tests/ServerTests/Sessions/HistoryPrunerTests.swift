import Foundation
import Logging
import Storage
import Synchronization
import Testing

@testable import Server

/// The pruner's pass: everything past the retention, in batches no larger than its batch size, and no further
/// batch once its task is cancelled.
@Suite struct HistoryPrunerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aPassFoldsEverythingPastTheRetentionInBoundedBatches() async throws {
        let database = try await TemporaryUserDatabase.make()
        let stores = database.storage.stores
        // 2,300 attempts and 1,100 sessions 91 to 120 days old, 5 of each from the last day.
        let old = (0..<2_300).map { index in
            AuthEvent(
                time: Self.now.addingTimeInterval(-91 * 86_400 - Double(index) * 1_000), userName: "alice",
                peer: "10.0.0.\(index % 5)", result: .failed)
        }
        try await stores.authEvents.record(
            old
                + (0..<5).map { _ in
                    AuthEvent(time: Self.now.addingTimeInterval(-3_600), userName: "bob", peer: "10.0.0.9", result: .ok)
                })
        let sessions = (0..<1_105).map { index in
            let end = Self.now.addingTimeInterval(index < 5 ? -60 : -91 * 86_400 - Double(index) * 2_000)
            return SessionRecord(
                sessionID: "s\(index)", user: "alice", peer: "10.0.0.1", startedAt: end, endedAt: end, bytesIn: 1,
                bytesOut: 2, retrCount: 0, topCount: 0, deleCount: 0, endReason: .quit)
        }
        try await stores.sessions.record(sessions)

        let recording = RecordingRetention(wrapping: stores.historyRetention)
        let pruner = HistoryPruner(
            store: recording, retention: .seconds(90 * 86_400), interval: .seconds(3_600), batchSize: 1_000,
            logger: Logger(label: "test"), now: { Self.now })
        #expect(try await pruner.prune() == HistoryPruner.Report(authEvents: 2_300, sessions: 1_100))
        #expect(recording.calls == [.auth(1_000), .auth(1_000), .auth(300), .sessions(1_000), .sessions(100)])
        #expect(try await stores.sessions.recentSessions(limit: 100).count == 5)
        #expect(try await stores.authEvents.recentFailures(peer: "10.0.0.1", since: .distantPast) == 0)
        // A second pass finds nothing and asks once per table.
        #expect(try await pruner.prune() == HistoryPruner.Report())
    }

    @Test func aCancelledPassStopsBetweenBatches() async throws {
        // An endless backlog whose third batch cancels the pass's task, as a shutdown does.
        let endless = EndlessRetention(cancelAtCall: 3)
        let pruner = HistoryPruner(
            store: endless, retention: .seconds(86_400), interval: .seconds(3_600), batchSize: 10,
            logger: Logger(label: "test"))
        let report = try await Task { try await pruner.prune() }.value
        #expect(report == HistoryPruner.Report(authEvents: 30, sessions: 0))
        #expect(endless.calls == 3)
    }
}

/// Passes every call to the real store and records what each batch folded.
private final class RecordingRetention: HistoryRetention {
    enum Call: Equatable {
        case auth(Int)
        case sessions(Int)
    }

    private let store: any HistoryRetention
    private let recorded = Mutex<[Call]>([])

    init(wrapping store: any HistoryRetention) {
        self.store = store
    }

    var calls: [Call] { recorded.withLock { $0 } }

    func foldAuthEvents(before cutoff: Date, limit: Int) async throws -> Int {
        let folded = try await store.foldAuthEvents(before: cutoff, limit: limit)
        recorded.withLock { $0.append(.auth(folded)) }
        return folded
    }

    func foldSessions(endedBefore cutoff: Date, limit: Int) async throws -> Int {
        let folded = try await store.foldSessions(endedBefore: cutoff, limit: limit)
        recorded.withLock { $0.append(.sessions(folded)) }
        return folded
    }
}

/// Always has a full batch to fold; cancels the calling task at its `cancelAtCall`th call.
private final class EndlessRetention: HistoryRetention {
    private let cancelAtCall: Int
    private let count = Mutex(0)

    init(cancelAtCall: Int) {
        self.cancelAtCall = cancelAtCall
    }

    var calls: Int { count.withLock { $0 } }

    func foldAuthEvents(before cutoff: Date, limit: Int) async throws -> Int {
        let call = count.withLock {
            $0 += 1
            return $0
        }
        if call == cancelAtCall { withUnsafeCurrentTask { $0?.cancel() } }
        return limit
    }

    func foldSessions(endedBefore cutoff: Date, limit: Int) async throws -> Int {
        count.withLock { $0 += 1 }
        return limit
    }
}
