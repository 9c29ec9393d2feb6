import Foundation
import Testing

@testable import Storage

@Suite("Activity and metrics")
struct ActivityAndMetricsTests {
    @Test(arguments: BackendKind.available)
    func sessionsAndAuthEventsAreRecordedInBatches(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            // A fixed time ten seconds after midnight UTC, with a fraction a Double holds exactly: every row is on one
            // day, and times round-trip exactly.
            let now = Date(timeIntervalSince1970: 1_800_057_610.5)
            try await storage.stores.authEvents.record([
                AuthEvent(time: now, userName: "bob", peer: "10.0.0.1", result: .failed),
                AuthEvent(time: now, userName: "bob", peer: "10.0.0.1", result: .failed),
                AuthEvent(time: now, userName: "bob", peer: "10.0.0.2", result: .ok),
            ])
            let authEvents = storage.stores.authEvents
            #expect(try await authEvents.recentFailures(peer: "10.0.0.1", since: now.addingTimeInterval(-60)) == 2)
            #expect(try await authEvents.recentFailures(peer: "10.0.0.1", since: now.addingTimeInterval(1)) == 0)
            #expect(try await authEvents.recentFailures(peer: "10.0.0.2", since: now.addingTimeInterval(-60)) == 0)
            let session = SessionRecord(
                sessionID: "abc", user: "bob", peer: "10.0.0.2", startedAt: now.addingTimeInterval(-5), endedAt: now,
                bytesIn: 40, bytesOut: 5000, retrCount: 2, topCount: 1, deleCount: 2, endReason: .quit)
            let refused = SessionRecord(
                sessionID: "def", user: nil, peer: "10.0.0.1", startedAt: now.addingTimeInterval(-1),
                endedAt: now.addingTimeInterval(-0.5), bytesIn: 10, bytesOut: 20, retrCount: 0, topCount: 0,
                deleCount: 0, endReason: .timeout)
            try await storage.stores.sessions.record([session, refused])
            let recent = try await storage.stores.sessions.recentSessions(limit: 10)
            #expect(recent.map(\.sessionID) == ["abc", "def"])
            #expect(recent.first == session)
            #expect(recent.last?.user == nil && recent.last?.endReason == .timeout)
            #expect(try await storage.stores.sessions.recentSessions(limit: 1).map(\.sessionID) == ["abc"])
            let user = database.userColumn
            #expect(try await database.rows("SELECT sessions, bytes_out FROM daily_stats") == [["2", "5020"]])
            #expect(try await database.rows("SELECT \(user), ok, failed FROM logins_by_user") == [["bob", "1", "2"]])
            #expect(try await database.rows("SELECT peer, failed FROM failed_logins_by_peer") == [["10.0.0.1", "2"]])
            #expect(
                try await database.rows("SELECT \(user), sessions, bytes_out FROM top_users_by_bytes")
                    == [["bob", "1", "5000"]])
        }
    }

    @Test(arguments: BackendKind.available)
    func historyBucketsCountersAndGauges(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let metrics = try await database.open().stores.metrics
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
                try await metrics.history(
                    metric: "x", kind: .gauge, from: base, to: base.addingTimeInterval(1e9), step: 1)
            }
        }
    }

    @Test(arguments: BackendKind.available)
    func rollUpKeepsHourlyPointsAndDropsOldOnes(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let metrics = try await database.open().stores.metrics
            let hour = 3_600.0
            let base = Date(
                timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: hour))
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
            #expect(
                try await database.rows("SELECT resolution, count(*) FROM metric_samples GROUP BY resolution")
                    == [["hourly", "4"]])
            let gauge = try await metrics.history(
                metric: "connections_current", kind: .gauge, from: base, to: base.addingTimeInterval(2 * hour),
                step: hour)
            #expect(gauge.map(\.value) == [25, 25])
            #expect(gauge.map(\.maximum) == [50, 50])
            let counter = try await metrics.history(
                metric: "bytes_out", kind: .counter, from: base.addingTimeInterval(-hour),
                to: base.addingTimeInterval(2 * hour), step: hour)
            #expect(counter.map(\.value) == [0, 0, 60])
            #expect(try await metrics.latestValues()["bytes_out"] == 110)
            // Rolling up again finds nothing new to fold.
            #expect(try await metrics.rollUp(now: now, rawRetention: hour, hourlyRetention: 30 * 24 * hour) == 0)
            // Far in the future even the hourly rows expire.
            _ = try await metrics.rollUp(
                now: now.addingTimeInterval(365 * 24 * hour), rawRetention: hour, hourlyRetention: hour)
            #expect(try await metrics.latestValues().isEmpty)
        }
    }

    /// One node on its own database: the cluster reads find this node, under its name, and its rows alone.
    @Test(arguments: BackendKind.available)
    func clusterReadsOfOneNode(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let metrics = try await database.open(node: "solo").stores.metrics
            #expect(metrics.node == "solo")
            let wanted: [MetricKey] = ["connections_total", "connections_current", "bytes_out"]
            #expect(try await metrics.latestValuesByNode(metrics: wanted).isEmpty)
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            for minute in 0..<3 {
                try await metrics.appendSamples([
                    MetricSample(
                        metric: "connections_total", time: base.addingTimeInterval(Double(minute) * 60),
                        value: Double(10 * minute)),
                    MetricSample(
                        metric: "connections_current", time: base.addingTimeInterval(Double(minute) * 60),
                        value: Double(minute)),
                ])
            }
            // A metric not asked for is left out; one without samples is missing.
            try await metrics.appendSamples([
                MetricSample(metric: "logins_ok", time: base.addingTimeInterval(999), value: 1)
            ])
            let latest = try await metrics.latestValuesByNode(metrics: wanted)
            #expect(
                latest == [
                    NodeMetricValues(
                        node: "solo", newestSample: base.addingTimeInterval(120),
                        values: ["connections_total": 20, "connections_current": 2])
                ])
            let history = try await metrics.historyByNode(
                metric: "connections_total", kind: .counter, from: base.addingTimeInterval(60),
                to: base.addingTimeInterval(180), step: 60)
            let alone = try await metrics.history(
                metric: "connections_total", kind: .counter, from: base.addingTimeInterval(60),
                to: base.addingTimeInterval(180), step: 60)
            #expect(history == [NodeMetricHistory(node: "solo", points: alone)])
            #expect(alone.map(\.value) == [10, 10])
            // No rows in the range: no node, where the node history answers zeros.
            #expect(
                try await metrics.historyByNode(
                    metric: "connections_total", kind: .counter, from: base.addingTimeInterval(600),
                    to: base.addingTimeInterval(720), step: 60
                ).isEmpty)
            await #expect(throws: StorageError.self) {
                try await metrics.historyByNode(
                    metric: "x", kind: .gauge, from: base, to: base.addingTimeInterval(1e9), step: 1)
            }
        }
    }

    /// A batch with two samples of one metric at one time keeps the last, on every backend, and loses no other.
    @Test(arguments: BackendKind.available)
    func theLastSampleOfAMetricAtOneTimeWins(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let metrics = try await database.open().stores.metrics
            let time = Date(timeIntervalSince1970: 1_800_000_000)
            try await metrics.appendSamples([
                MetricSample(metric: "connections_total", time: time, value: 1),
                MetricSample(metric: "connections_current", time: time, value: 3),
                MetricSample(metric: "connections_total", time: time, value: 2),
            ])
            #expect(try await metrics.latestValues() == ["connections_total": 2, "connections_current": 3])
            #expect(try await database.count("metric_samples") == 2)
        }
    }

    @Test(arguments: BackendKind.available)
    func totalsSurviveReopen(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let first = try await database.open()
            try await first.stores.metrics.appendSamples([
                MetricSample(metric: "connections_total", time: Date(timeIntervalSince1970: 100), value: 41),
                MetricSample(metric: "connections_total", time: Date(timeIntervalSince1970: 200), value: 42),
            ])
            await database.close(first)
            let storage = try await database.open()
            #expect(try await storage.stores.metrics.latestValues() == ["connections_total": 42])
        }
    }
}
