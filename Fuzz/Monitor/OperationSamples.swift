/// A valid request for each v2 OP, so a client-side decoder can be asked to read any response frame.
enum OperationSamples {
    static let token = MonitorToken("123456789abcdef1")!

    /// One operation per OP; an OP added later without a sample falls back to server info.
    static let v2Operations: [MonitorOperation] = [
        .serverInfo, .metrics, .history(HistoryQuery(metric: .connectionsTotal, from: 0, to: 3_600, step: 60)),
        .listUsers(after: ""), .addUser(name: "bob", password: "secret"), .deleteUser(name: "bob"),
        .changePassword(name: "bob", password: "secret"), .listAdmins(after: ""), .addAdmin(name: "root", token: token),
        .deleteAdmin(name: "root"), .listSessions(after: ""), .setMaildir(path: "/var/mail"),
        .backup(path: "/var/backups/pop3d.sqlite"), .clusterMetrics,
        .clusterHistory(HistoryQuery(metric: .connectionsCurrent, from: 0, to: 3_600, step: 60)),
    ]

    static func operation(for opcode: MonitorOpcode) -> MonitorOperation {
        v2Operations.first { $0.opcode == opcode } ?? .serverInfo
    }

    /// The v1 requests whose answers differ in shape: a GET (u32) and a CONFIG (DATA 00).
    static let legacyRequests = [
        MonitorRequest(version: .v1, token: token, operation: .legacyCounter(.connectionsTotal)),
        MonitorRequest(version: .v1, token: token, operation: .addUser(name: "bob", password: "secret")),
    ]
}
