import Foundation
import MonitorProtocol
import Storage
import Testing

@testable import Server

@Suite("Monitor request processor")
struct MonitorRequestProcessorTests {
    @Test("a wrong or malformed token is refused before anything is parsed or changed")
    func tokenChecks() async throws {
        let test = try MonitorTestServer()
        let wrong = try await test.answer(.addUser(name: "eve", password: "pw"), token: "0000000000000000")
        #expect(wrong.status == .authenticationFailed)
        #expect(wrong.admin == nil)
        #expect(try await test.storage.stores.users.listUsers().map(\.name) == ["foo"])

        // Unprintable token bytes, and an unknown method behind them: the token is checked first.
        var raw: [UInt8] = [0x02] + [UInt8](repeating: 0x20, count: 16) + [0, 0, 0, 1, 0xEE, 0, 0, 0, 0]
        #expect(try await test.answer(bytes: raw).status == .authenticationFailed)
        raw.replaceSubrange(1..<17, with: Array(MonitorTestServer.adminToken.utf8))
        let unknown = try await test.answer(bytes: raw)
        #expect(unknown.status == .badMethod)
        #expect(unknown.admin == SeedDefaults.adminName)
        #expect(unknown.response.requestID == 1)
        #expect(unknown.response.opcode == 0xEE)
    }

    @Test("v1 add user, duplicate and delete of an unknown user answer as the seed client expects")
    func legacyUsers() async throws {
        let test = try MonitorTestServer()
        let added = try await test.answer(.addUser(name: "bob", password: "secret"), version: .v1)
        #expect(added.status == .ok)
        #expect(added.response.encoded() == [0x00, 0x00, 0x01, 0x00])
        #expect(try await test.storage.stores.users.verify(name: "bob", password: "secret") == .valid)
        let again = try await test.answer(.addUser(name: "bob", password: "other"), version: .v1)
        #expect(again.response.encoded() == [0x04, 0x00, 0x01, 0x00])
        #expect(try await test.storage.stores.users.verify(name: "bob", password: "secret") == .valid)
        #expect(try await test.answer(.deleteUser(name: "nobody"), version: .v1).status == .badData)
        #expect(try await test.answer(.deleteUser(name: "bob"), version: .v1).status == .ok)
        #expect(try await test.storage.stores.users.listUsers().map(\.name) == ["foo"])
    }

    @Test("v2 answers already exists and not found, with the request id echoed")
    func versionTwoRefusals() async throws {
        let test = try MonitorTestServer()
        #expect(try await test.answer(.addUser(name: "bob", password: "secret")).status == .ok)
        let duplicate = try await test.answer(.addUser(name: "bob", password: "x"), requestID: 99)
        #expect(duplicate.status == .alreadyExists)
        #expect(duplicate.response.requestID == 99)
        #expect(duplicate.response.body == .failure(message: "user bob exists"))
        #expect(try await test.answer(.deleteUser(name: "carol")).status == .notFound)
        #expect(try await test.answer(.changePassword(name: "carol", password: "pw")).status == .notFound)
        #expect(try await test.answer(.deleteAdmin(name: "nobody")).status == .notFound)
        let token = try MonitorTestServer.token("abcdefghijklmnop")
        #expect(try await test.answer(.addAdmin(name: SeedDefaults.adminName, token: token)).status == .alreadyExists)
    }

    @Test("change password takes effect at once")
    func changePassword() async throws {
        let test = try MonitorTestServer()
        _ = try await test.answer(.addUser(name: "bob", password: "old one"))
        #expect(try await test.answer(.changePassword(name: "bob", password: "new one")).status == .ok)
        #expect(try await test.storage.stores.users.verify(name: "bob", password: "new one") == .valid)
        #expect(try await test.storage.stores.users.verify(name: "bob", password: "old one") == .invalid)
    }

    @Test("a new admin's token works, and a deleted admin's token stops working")
    func admins() async throws {
        let test = try MonitorTestServer()
        let token = "Zz9-Token_!abcde"
        #expect(try await test.answer(.addAdmin(name: "ops", token: try MonitorTestServer.token(token))).status == .ok)
        let asOps = try await test.answer(.metrics, token: token)
        #expect(asOps.status == .ok)
        #expect(asOps.admin == "ops")
        #expect(try await test.answer(.deleteAdmin(name: "ops")).status == .ok)
        #expect(try await test.answer(.metrics, token: token).status == .authenticationFailed)
        let last = try await test.answer(.deleteAdmin(name: "admin"))
        #expect(last.status == .badData)
        #expect("\(last)".contains("last admin"), "\(last)")
        #expect(try await test.answer(.metrics).status == .ok)
    }

    @Test("v1 counters come from the live metrics, clamped to 32 bits and never negative")
    func legacyCounters() async throws {
        let test = try MonitorTestServer()
        test.metrics.add(.connectionsTotal, 41)
        test.metrics.add(.bytesOut, Int64(UInt32.max) + 10)
        test.metrics.add(.connectionsCurrent, -3)
        let total = try await test.answer(.legacyCounter(.connectionsTotal), version: .v1)
        #expect(total.response.encoded() == [0x00, 0x00, 0x04, 0, 0, 0, 41])
        #expect(
            try await test.answer(.legacyCounter(.bytesTransferred), version: .v1).response.body == .legacyCounter(.max)
        )
        #expect(
            try await test.answer(.legacyCounter(.connectionsCurrent), version: .v1).response.body == .legacyCounter(0))
    }

    @Test("metrics and server info report every metric and the version")
    func metricsAndInfo() async throws {
        let test = try MonitorTestServer()
        test.metrics.add(.loginsFailed, 5)
        let reply = try await test.answer(.metrics).response.body
        guard case .metrics(let snapshot) = reply else {
            Issue.record("not metrics: \(reply)")
            return
        }
        #expect(snapshot.values.map(\.metric) == MetricID.allCases)
        #expect(snapshot[.loginsFailed] == 5)
        // Measured for the answer: the file's pages and its WAL, so at least the schema's pages.
        #expect((snapshot[.databaseBytes] ?? 0) >= 4_096 * 10)
        #expect(abs(snapshot.time - Int64(Date().timeIntervalSince1970)) < 5)
        let info = try await test.answer(.serverInfo).response.body
        guard case .serverInfo(let details) = info else {
            Issue.record("not server info: \(info)")
            return
        }
        #expect(details.version == ServerConfiguration.version)
        #expect(details.uptimeSeconds < 60)
    }

    @Test("set maildir stores the setting and switches new sessions; a file is refused")
    func setMaildir() async throws {
        let test = try MonitorTestServer()
        let target = test.folder.appendingPathComponent("other-mail").path
        #expect(try await test.answer(.setMaildir(path: target + "/"), version: .v1).status == .ok)
        #expect(try await test.storage.stores.settings.value(for: .maildir) == target + "/")
        #expect(test.maildirRoot.store.root == target)

        let file = test.folder.appendingPathComponent("a-file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try await test.answer(.setMaildir(path: file)).status == .badData)
        #expect(test.maildirRoot.store.root == target)
    }

    @Test("the v1 buffer size is accepted and stored")
    func bufferSize() async throws {
        let test = try MonitorTestServer()
        var raw: [UInt8] = [0x01] + Array(MonitorTestServer.adminToken.utf8) + [0x01, 0x01, 0x00, 0x04]
        raw += Array("8192".utf8)
        #expect(try await test.answer(bytes: raw).response.encoded() == [0x00, 0x00, 0x01, 0x00])
        #expect(try await test.storage.stores.settings.value(for: .bufferSize) == "8192")
    }

    @Test("lists are paged and ordered by name")
    func lists() async throws {
        let test = try MonitorTestServer()
        for name in ["zed", "amy", "bob"] { _ = try await test.answer(.addUser(name: name, password: "pw")) }
        let first = try await test.answer(.listUsers(after: "")).response.body
        guard case .users(let page) = first else {
            Issue.record("not users: \(first)")
            return
        }
        #expect(page.entries.map(\.name) == ["amy", "bob", "foo", "zed"])
        #expect(!page.more)
        guard case .users(let rest) = try await test.answer(.listUsers(after: "bob")).response.body else {
            Issue.record("not users")
            return
        }
        #expect(rest.entries.map(\.name) == ["foo", "zed"])
        guard case .admins(let admins) = try await test.answer(.listAdmins(after: "")).response.body else {
            Issue.record("not admins")
            return
        }
        #expect(admins.entries.map(\.name) == [SeedDefaults.adminName])
        guard case .sessions(let sessions) = try await test.answer(.listSessions(after: "")).response.body else {
            Issue.record("not sessions")
            return
        }
        #expect(sessions.entries.isEmpty)
    }

    @Test("history answers from the stored samples, counters as increases")
    func history() async throws {
        let test = try MonitorTestServer()
        let base: Int64 = 1_764_129_600
        let samples = [(base + 10, 5.0), (base + 70, 8.0), (base + 130, 20.0)].map {
            MetricSample(
                metric: MetricKey("connections_total"), time: Date(timeIntervalSince1970: Double($0.0)), value: $0.1)
        }
        for sample in samples { try await test.storage.stores.metrics.appendSamples([sample]) }
        let query = HistoryQuery(metric: .connectionsTotal, from: base, to: base + 180, step: 60)
        let reply = try await test.answer(.history(query)).response.body
        guard case .history(let series) = reply else {
            Issue.record("not history: \(reply)")
            return
        }
        #expect(series.metric == .connectionsTotal)
        #expect(series.step == 60)
        // The first bucket has no earlier total to grow from, so its increase is 0.
        #expect(series.points.map(\.start) == [base, base + 60, base + 120])
        #expect(series.points.map(\.value) == [0, 3, 12])
        #expect(series.points.map(\.maximum) == [0, 3, 12])
    }

    @Test("cluster metrics on SQLite: one node, the server itself, with its live values")
    func clusterMetricsOfOneNode() async throws {
        let test = try MonitorTestServer()
        test.metrics.add(.connectionsTotal, 41)
        test.metrics.add(.connectionsCurrent, 2)
        // An old stored total is replaced by the live one, not added to it.
        try await test.storage.stores.metrics.appendSamples([
            MetricSample(metric: MetricKey("connections_total"), time: Date(timeIntervalSince1970: 100), value: 40)
        ])
        let node = try await test.answer(.metrics).response.body
        let reply = try await test.answer(.clusterMetrics).response.body
        guard case .clusterMetrics(let cluster) = reply, case .metrics(let alone) = node else {
            Issue.record("not metrics: \(reply), \(node)")
            return
        }
        #expect(cluster.node == "test-node")
        #expect(cluster.nodeCount == 1)
        #expect(cluster.nodes.map(\.name) == ["test-node"])
        #expect(cluster.nodes.first?.gaugesCounted == true)
        #expect(cluster.nodes.first?.newestSample == cluster.metrics.time)
        #expect(cluster.metrics[.connectionsTotal] == 41)
        #expect(cluster.metrics[.connectionsCurrent] == 2)
        // The monitor request counter went up by one between the two answers; the rest is the node's view.
        for metric in MetricID.allCases where ![.monitorRequests, .uptimeSeconds].contains(metric) {
            #expect(cluster.metrics[metric] == alone[metric], "\(metric)")
        }
    }

    @Test("cluster history on SQLite: the node's history, the node named")
    func clusterHistoryOfOneNode() async throws {
        let test = try MonitorTestServer()
        let base: Int64 = 1_764_129_600
        for (time, value) in [(base + 10, 1.0), (base + 70, 3.0), (base + 80, 5.0)] {
            try await test.storage.stores.metrics.appendSamples([
                MetricSample(
                    metric: MetricKey("connections_current"), time: Date(timeIntervalSince1970: Double(time)),
                    value: value)
            ])
        }
        let query = HistoryQuery(metric: .connectionsCurrent, from: base, to: base + 180, step: 60)
        let node = try await test.answer(.history(query)).response.body
        let reply = try await test.answer(.clusterHistory(query)).response.body
        guard case .clusterHistory(let cluster) = reply, case .history(let alone) = node else {
            Issue.record("not history: \(reply), \(node)")
            return
        }
        #expect(cluster.node == "test-node")
        #expect(cluster.nodes == ["test-node"])
        #expect(cluster.nodeCount == 1)
        #expect(cluster.series == alone)
        #expect(alone.points.map(\.value) == [1, 4])
        let empty = HistoryQuery(metric: .connectionsCurrent, from: 0, to: 60, step: 60)
        guard case .clusterHistory(let none) = try await test.answer(.clusterHistory(empty)).response.body else {
            Issue.record("not history")
            return
        }
        #expect(none.nodes.isEmpty && none.nodeCount == 0 && none.series.points.isEmpty)
    }

    @Test("history queries out of range are refused with their status")
    func historyLimits() async throws {
        let test = try MonitorTestServer()
        // Built by hand: the client's encoder refuses to send these.
        #expect(
            try await test.answer(bytes: historyFrame(metric: 2, from: 0, to: 1_000_000, step: 1)).status == .tooLarge)
        #expect(try await test.answer(bytes: historyFrame(metric: 2, from: 10, to: 10, step: 1)).status == .badData)
        #expect(try await test.answer(bytes: historyFrame(metric: 2, from: 0, to: 10, step: 0)).status == .badData)
        #expect(try await test.answer(bytes: historyFrame(metric: 200, from: 0, to: 10, step: 1)).status == .badTarget)
        let extreme = HistoryQuery(metric: .bytesOut, from: .min, to: .max, step: .max)
        #expect(try await test.answer(.history(extreme)).status == .ok)
        let edge = HistoryQuery(metric: .connectionsCurrent, from: .max - 100, to: .max, step: 1)
        #expect(try await test.answer(.history(edge)).status == .ok)
    }

    private func historyFrame(metric: UInt8, from: Int64, to: Int64, step: Int64) -> [UInt8] {
        var data: [UInt8] = [metric]
        for value in [from, to, step] {
            data += withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian, Array.init)
        }
        let length = UInt32(data.count)
        return [0x02] + Array(MonitorTestServer.adminToken.utf8) + [0, 0, 0, 3, 0x03]
            + withUnsafeBytes(of: length.bigEndian, Array.init) + data
    }
}
