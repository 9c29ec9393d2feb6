import Foundation
import Testing

@testable import Storage

@Suite("Activity and metrics")
struct ActivityAndMetricsTests {
    @Test func sessionsAndAuthEventsAreRecordedInBatches() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let now = Date()
        try await storage.stores.authEvents.record([
            AuthEvent(time: now, userName: "bob", peer: "10.0.0.1", result: .failed),
            AuthEvent(time: now, userName: "bob", peer: "10.0.0.1", result: .failed),
            AuthEvent(time: now, userName: "bob", peer: "10.0.0.2", result: .ok),
        ])
        #expect(
            try await storage.stores.authEvents.recentFailures(peer: "10.0.0.1", since: now.addingTimeInterval(-60))
                == 2)
        #expect(
            try await storage.stores.authEvents.recentFailures(peer: "10.0.0.2", since: now.addingTimeInterval(-60))
                == 0)
        let session = SessionRecord(
            sessionID: "abc", user: "bob", peer: "10.0.0.2", startedAt: now.addingTimeInterval(-5), endedAt: now,
            bytesIn: 40, bytesOut: 5000, retrCount: 2, topCount: 1, deleCount: 2, endReason: .quit)
        try await storage.stores.sessions.record([session])
        #expect(try await storage.stores.sessions.recentSessions(limit: 10).first?.sessionID == "abc")
        let views = try await storage.database.read { connection in
            (
                try connection.query("SELECT sessions, bytes_out FROM daily_stats")[0],
                try connection.query("SELECT user, ok, failed FROM logins_by_user")[0],
                try connection.query("SELECT peer, failed FROM failed_logins_by_peer")[0]
            )
        }
        #expect(views.0.int(0) == 1 && views.0.int(1) == 5000)
        #expect(views.1.string(0) == "bob" && views.1.int(1) == 1 && views.1.int(2) == 2)
        #expect(views.2.string(0) == "10.0.0.1" && views.2.int(1) == 2)
    }

    @Test func historyBucketsCountersAndGauges() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let metrics = storage.stores.metrics
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        // A counter growing by 10 every 10 s and a gauge alternating 2 and 4, for 60 s.
        for second in stride(from: 0, to: 60, by: 10) {
            let time = base.addingTimeInterval(Double(second))
            try await metrics.appendSamples([
                MetricSample(metric: "connections_total", time: time, value: Double(100 + second)),
                MetricSample(metric: "connections_current", time: time, value: second % 20 == 0 ? 2 : 4),
            ])
        }
        let counter = try await metrics.history(
            metric: "connections_total", kind: .counter, from: base.addingTimeInterval(-30),
            to: base.addingTimeInterval(60), step: 30)
        #expect(counter.map(\.value) == [0, 20, 30])
        #expect(counter.map(\.start) == [-30, 0, 30].map { base.addingTimeInterval($0) })
        let gauge = try await metrics.history(
            metric: "connections_current", kind: .gauge, from: base, to: base.addingTimeInterval(60), step: 30)
        #expect(gauge.map(\.value) == [8.0 / 3.0, 10.0 / 3.0])
        #expect(gauge.map(\.maximum) == [4, 4])
        await #expect(throws: StorageError.self) {
            try await metrics.history(metric: "x", kind: .gauge, from: base, to: base.addingTimeInterval(1e9), step: 1)
        }
    }

    @Test func rollUpKeepsHourlyPointsAndDropsOldOnes() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let metrics = storage.stores.metrics
        let hour = 3_600.0
        let base = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: hour))
        // Two hours of samples every 10 minutes: counter 0,10,20,... gauge = minute of the hour.
        for minute in stride(from: 0, to: 120, by: 10) {
            let time = base.addingTimeInterval(Double(minute) * 60)
            try await metrics.appendSamples([
                MetricSample(metric: "bytes_out", time: time, value: Double(minute)),
                MetricSample(metric: "connections_current", time: time, value: Double(minute % 60)),
            ])
        }
        let now = base.addingTimeInterval(3 * hour)
        let removed = try await metrics.rollUp(now: now, rawRetention: hour, hourlyRetention: 30 * 24 * hour)
        #expect(removed == 24)  // 12 raw rows of each metric replaced by 2 hourly rows each
        let rows = try await storage.database.read { connection in
            try connection.query("SELECT resolution, count(*) FROM metric_samples GROUP BY resolution")
        }
        #expect(rows.map { "\($0.string(0))=\($0.int(1))" } == ["hourly=4"])
        let gauge = try await metrics.history(
            metric: "connections_current", kind: .gauge, from: base, to: base.addingTimeInterval(2 * hour), step: hour)
        #expect(gauge.map(\.value) == [25, 25])
        #expect(gauge.map(\.maximum) == [50, 50])
        let counter = try await metrics.history(
            metric: "bytes_out", kind: .counter, from: base.addingTimeInterval(-hour),
            to: base.addingTimeInterval(2 * hour), step: hour)
        #expect(counter.map(\.value) == [0, 0, 60])
        #expect(try await metrics.latestValues()["bytes_out"] == 110)
        // Far in the future even the hourly rows expire.
        _ = try await metrics.rollUp(
            now: now.addingTimeInterval(365 * 24 * hour), rawRetention: hour, hourlyRetention: hour)
        #expect(try await metrics.latestValues().isEmpty)
    }

    @Test func totalsSurviveReopen() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        do {
            let storage = try SQLiteStorage(path: path, passwordCost: 10)
            try await storage.stores.metrics.appendSamples([
                MetricSample(metric: "connections_total", time: Date(timeIntervalSince1970: 100), value: 41),
                MetricSample(metric: "connections_total", time: Date(timeIntervalSince1970: 200), value: 42),
            ])
            try await storage.stores.messageIndex.updateIndex(
                user: "bob",
                upsert: [
                    IndexedMessage(baseName: "m1", fileSize: 10, modificationTime: 5, wireSize: 12),
                    IndexedMessage(baseName: "m2,S=7", fileSize: 7, modificationTime: 1 << 60, wireSize: 9),
                ],
                remove: [])
            try await storage.stores.messageIndex.updateIndex(
                user: "carol", upsert: [IndexedMessage(baseName: "m1", fileSize: 1, modificationTime: 1, wireSize: 1)],
                remove: [])
            storage.close()
        }
        let storage = try SQLiteStorage(path: path, passwordCost: 10)
        defer { storage.close() }
        #expect(try await storage.stores.metrics.latestValues() == ["connections_total": 42])
        let rows = try await storage.stores.messageIndex.indexedMessages(user: "bob").sorted {
            $0.baseName < $1.baseName
        }
        #expect(rows.map(\.baseName) == ["m1", "m2,S=7"])
        #expect(rows.map(\.fileSize) == [10, 7])
        #expect(rows.map(\.modificationTime) == [5, 1 << 60])
        #expect(rows.map(\.wireSize) == [12, 9])
        try await storage.stores.messageIndex.updateIndex(user: "bob", upsert: [], remove: ["m1", "m2,S=7"])
        #expect(try await storage.stores.messageIndex.indexedMessages(user: "bob").isEmpty)
    }
}
