import Foundation
import Testing

@testable import PostgresStorage
@testable import Storage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What only the PostgreSQL backend has: a server to reach and log in to, a schema that several nodes may create at
/// once, and rows that belong to one node of several. Runs when the test environment names a server.
@Suite("PostgreSQL storage", .enabled(if: BackendKind.available.contains(.postgresql)))
struct PostgresStorageTests {
    /// Two nodes starting together on a new database: both hold pop3d's migration lock in turn, so the schema and the
    /// first-run credentials are made once, and the second node finds them made.
    @Test func twoNodesOpeningANewDatabaseAtOnceApplyTheSchemaOnce() async throws {
        try await TestStorage.with(.postgresql) { database in
            let location = try #require(database.postgresLocation)
            let server = try #require(database.postgresServer)
            // The test holds the migration lock until both opens wait for it, then lets them race.
            let (first, second) = try await server.withConnection(to: location) { connection in
                try await connection.query(
                    "SELECT pg_advisory_lock(\(PostgresMigrator.lockKey))", logger: PostgresTestServer.logger)
                async let first = database.open(firstRun: .quickStart, node: "node-a")
                async let second = database.open(firstRun: .quickStart, node: "node-b")
                var waitFailure: (any Error)?
                do {
                    try await Self.waitUntil("both opens wait for the migration lock") {
                        try await database.integer(
                            """
                            SELECT count(*) FROM pg_locks
                            WHERE locktype = 'advisory' AND NOT granted
                              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                            """) == 2
                    }
                } catch {
                    waitFailure = error
                }
                // Released whatever happened: the opens finish only once it is.
                try await connection.query(
                    "SELECT pg_advisory_unlock(\(PostgresMigrator.lockKey))", logger: PostgresTestServer.logger)
                let reports = try await (first.migrationReport, second.migrationReport)
                if let waitFailure { throw waitFailure }
                return reports
            }
            let known = PostgresMigrator.embedded.migrations.map(\.version)
            let reports = [first, second].sorted { $0.applied.count > $1.applied.count }
            #expect(
                reports == [
                    MigrationReport(previousVersion: 0, applied: known),
                    MigrationReport(previousVersion: known.last!, applied: []),
                ])
            #expect(try await database.count("schema_migrations") == known.count)
            #expect(try await database.rows("SELECT name FROM users") == [[SeedDefaults.userName]])
            #expect(try await database.rows("SELECT admin FROM monitor_tokens") == [[SeedDefaults.adminName]])
        }
    }

    @Test func aClosedPortFailsToConnect() async throws {
        let port = try ClosedPort()
        let location = try PostgresLocation(url: "postgresql://pop3d@127.0.0.1:\(port.number)/mail?sslmode=disable")
        do {
            _ = try await PostgresStorage.open(
                location, options: PostgresStorage.Options(password: "x", node: "node-a"),
                logger: PostgresTestServer.logger)
            Issue.record("nothing listens on port \(port.number)")
        } catch let error as StorageError {
            #expect(error.description.contains("PostgreSQL at 127.0.0.1:\(port.number), database mail"), "\(error)")
            #expect(error.description.contains("connect failed"), "\(error)")
            #expect(error.isTransient, "a server that is not up yet may be up later")
        }
    }

    @Test func aWrongPasswordFailsToAuthenticate() async throws {
        let server = try PostgresTestServer.required()
        do {
            _ = try await PostgresStorage.open(
                server.location, options: PostgresStorage.Options(password: "Not-The-Password", node: "node-a"),
                logger: PostgresTestServer.logger)
            Issue.record("a wrong password must be refused")
        } catch let error as StorageError {
            #expect(error.description.contains("PostgreSQL at \(server.location.server)"), "\(error)")
            #expect(error.description.contains("authenticate failed"), "\(error)")
            #expect(!error.description.contains("Not-The-Password"))
            #expect(!error.isTransient, "retrying a wrong password cannot help")
        }
    }

    @Test func aMissingDatabaseIsNamed() async throws {
        let server = try PostgresTestServer.required()
        var location = server.location
        location.database = "pop3d_test_missing_\(UUID().uuidString.prefix(8).lowercased())"
        do {
            _ = try await PostgresStorage.open(
                location, options: PostgresStorage.Options(password: server.password, node: "node-a"),
                logger: PostgresTestServer.logger)
            Issue.record("\(location.database) does not exist")
        } catch let error as StorageError {
            #expect(error.description.contains("database \(location.database)"), "\(error)")
            #expect(error.description.contains("does not exist"), "\(error)")
        }
    }

    /// A node holds its name while it runs; a second pop3d with the same name is refused, and the name is free again
    /// as soon as the first has shut down.
    @Test func aNodeNameIsHeldWhileItsStorageIsOpen() async throws {
        try await TestStorage.with(.postgresql) { database in
            let first = try await database.open(node: "node-a")
            do {
                _ = try await database.open(node: "node-a")
                Issue.record("two storages may not run as one node")
            } catch {
                #expect("\(error)".contains("another pop3d runs as node 'node-a'"), "\(error)")
            }
            let other = try await database.open(node: "node-b")
            await database.close(first)
            _ = try await database.open(node: "node-a")
            await database.close(other)
        }
    }

    /// Each node resumes its own totals and reads its own history; a roll-up touches its own rows.
    @Test func metricsBelongToTheirNode() async throws {
        try await TestStorage.with(.postgresql) { database in
            let nodeA = try await database.open(node: "node-a").stores.metrics
            let nodeB = try await database.open(node: "node-b").stores.metrics
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            for minute in 0..<3 {
                let time = base.addingTimeInterval(Double(minute) * 60)
                try await nodeA.appendSamples([
                    MetricSample(metric: "connections_total", time: time, value: Double(10 + minute))
                ])
                try await nodeB.appendSamples([
                    MetricSample(metric: "connections_total", time: time, value: Double(500 + 100 * minute)),
                    MetricSample(metric: "connections_current", time: time, value: 7),
                ])
            }
            #expect(try await nodeA.latestValues() == ["connections_total": 12])
            #expect(try await nodeB.latestValues() == ["connections_total": 700, "connections_current": 7])
            let history = try await nodeA.history(
                metric: "connections_total", kind: .counter, from: base, to: base.addingTimeInterval(180), step: 60)
            #expect(history.map(\.value) == [0, 1, 1])
            // node-a rolls all its rows up; node-b's raw rows stay.
            let removed = try await nodeA.rollUp(
                now: base.addingTimeInterval(10 * 3_600), rawRetention: 3_600, hourlyRetention: 30 * 86_400)
            #expect(removed == 3)
            #expect(
                try await database.rows(
                    "SELECT node, resolution, count(*) FROM metric_samples GROUP BY 1, 2 ORDER BY 1, 2")
                    == [["node-a", "hourly", "1"], ["node-b", "raw", "6"]])
            #expect(try await nodeB.latestValues() == ["connections_total": 700, "connections_current": 7])
        }
    }

    /// Two nodes write samples into one database; either one reads both for the cluster: each node's newest values
    /// and each node's history, from its own rows (its own baseline included).
    @Test func eitherNodeReadsEveryNodesSamples() async throws {
        try await TestStorage.with(.postgresql) { database in
            let nodeA = try await database.open(node: "node-a").stores.metrics
            let nodeB = try await database.open(node: "node-b").stores.metrics
            let wanted: [MetricKey] = ["connections_total", "connections_current"]
            #expect(try await nodeA.latestValuesByNode(metrics: wanted).isEmpty)
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            for minute in 0..<4 {
                let time = base.addingTimeInterval(Double(minute) * 60)
                try await nodeA.appendSamples([
                    MetricSample(metric: "connections_total", time: time, value: Double(10 + minute)),
                    MetricSample(metric: "connections_current", time: time, value: 1),
                ])
                // node-b stops writing after two minutes.
                if minute < 2 {
                    try await nodeB.appendSamples([
                        MetricSample(metric: "connections_total", time: time, value: Double(500 + 100 * minute)),
                        MetricSample(metric: "connections_current", time: time, value: 7),
                    ])
                }
            }
            let expected = [
                NodeMetricValues(
                    node: "node-a", newestSample: base.addingTimeInterval(180),
                    values: ["connections_total": 13, "connections_current": 1]),
                NodeMetricValues(
                    node: "node-b", newestSample: base.addingTimeInterval(60),
                    values: ["connections_total": 600, "connections_current": 7]),
            ]
            for reader in [nodeA, nodeB] {
                let latest = try await reader.latestValuesByNode(metrics: wanted).sorted { $0.node < $1.node }
                #expect(latest == expected)
            }
            // From the second minute on: node-a grows by 1 a minute from its baseline 11, node-b by 100 from 600
            // and then has no rows.
            let counter = try await nodeB.historyByNode(
                metric: "connections_total", kind: .counter, from: base.addingTimeInterval(60),
                to: base.addingTimeInterval(240), step: 60)
            #expect(counter.map(\.node) == ["node-a", "node-b"])
            #expect(counter.first?.points.map(\.value) == [1, 1, 1])
            #expect(counter.last?.points.map(\.value) == [100, 0, 0])
            let gauge = try await nodeA.historyByNode(
                metric: "connections_current", kind: .gauge, from: base.addingTimeInterval(120),
                to: base.addingTimeInterval(240), step: 60)
            #expect(gauge.map(\.node) == ["node-a"])
            #expect(gauge.first?.points.map(\.value) == [1, 1])
            // Each node's own reads are untouched by the other's rows.
            #expect(try await nodeA.latestValues() == ["connections_total": 13, "connections_current": 1])
            #expect(nodeA.node == "node-a" && nodeB.node == "node-b")
        }
    }

    /// Login attempts and sessions are written with the node that saw them.
    @Test func activityRowsCarryTheirNode() async throws {
        try await TestStorage.with(.postgresql) { database in
            let storage = try await database.open(node: "edge-1")
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            try await storage.stores.authEvents.record([
                AuthEvent(time: now, userName: "bob", peer: "192.0.2.1", result: .ok)
            ])
            try await storage.stores.sessions.record([
                SessionRecord(
                    sessionID: "s1", user: "bob", peer: "192.0.2.1", startedAt: now, endedAt: now, bytesIn: 1,
                    bytesOut: 2, retrCount: 0, topCount: 0, deleCount: 0, endReason: .quit)
            ])
            try await storage.stores.journal.addPending(session: "s1", user: "bob", baseName: "m", fileName: "m")
            for table in ["auth_events", "sessions", "deletion_journal"] {
                #expect(try await database.rows("SELECT DISTINCT node FROM \(table)") == [["edge-1"]], "\(table)")
            }
        }
    }

    @Test func maintenanceReportsTheSizeAndLeavesBackupsToPostgreSQLsTools() async throws {
        try await TestStorage.with(.postgresql) { database in
            let maintenance = try await database.open().stores.maintenance
            #expect(try await maintenance.sizeInBytes() > 1_000_000)
            do {
                try await maintenance.backup(to: database.folder.path("backup.sqlite"))
                Issue.record("a PostgreSQL storage writes no SQLite backup")
            } catch {
                #expect("\(error)".contains("pg_dump"))
            }
            #expect(!FileManager.default.fileExists(atPath: database.folder.path("backup.sqlite")))
        }
    }

    /// A store called after shutdown (a late request while pop3d stops) fails at once rather than waiting for a
    /// connection that will never come.
    @Test func aStoreOfAShutDownStorageThrowsInsteadOfWaiting() async throws {
        try await TestStorage.with(.postgresql) { database in
            let storage = try await database.open()
            _ = try await storage.stores.users.listUsers()
            await database.close(storage)
            let outcome = await withTaskGroup(of: String.self) { group in
                group.addTask {
                    do {
                        _ = try await storage.stores.users.listUsers()
                        return "returned"
                    } catch {
                        return error is StorageError ? "threw" : "threw \(type(of: error))"
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(30))
                    return "still waiting after 30 s"
                }
                let first = await group.next() ?? ""
                group.cancelAll()
                return first
            }
            #expect(outcome == "threw")
        }
    }

    // MARK: - Helpers

    /// Polls `condition` until it holds; fails after 30 s, which only a broken server reaches.
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                throw StorageError.invalidValue("timed out waiting until \(what)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A loopback TCP port that is bound but not listening, so a connection to it is refused for as long as this lives.
private final class ClosedPort {
    let number: Int
    private let descriptor: Int32

    init() throws {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw StorageError.invalidValue("cannot make a socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw StorageError.invalidValue("cannot bind a loopback port")
        }
        self.descriptor = descriptor
        number = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
