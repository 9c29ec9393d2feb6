import MonitorProtocol

/// Output of `users list`, `tokens list` and `sessions`.
enum ListViews {
    static func accounts(_ entries: [AccountEntry], nameHeader: String) -> String {
        guard !entries.isEmpty else { return "(none)" }
        var table = TextTable(headers: [nameHeader, "CREATED (UTC)"])
        for entry in entries {
            table.append([entry.name, UTCTime.format(entry.createdAt)])
        }
        return table.rendered()
    }

    static func accountsJSON(_ entries: [AccountEntry]) -> JSONValue {
        .array(entries.map { .object([("name", .string($0.name)), ("created", .integer($0.createdAt))]) })
    }

    /// `now` (Unix seconds) turns each start into an age.
    static func sessions(_ entries: [SessionEntry], now: Int64) -> String {
        guard !entries.isEmpty else { return "(no live sessions)" }
        var table = TextTable(
            headers: ["SESSION", "USER", "PEER", "SINCE (UTC)", "AGE", "IN", "OUT"],
            alignments: [.left, .left, .left, .left, .right, .right, .right])
        for entry in entries {
            let age = now > entry.since ? UInt64(now - entry.since) : 0
            table.append([
                entry.id, entry.user.isEmpty ? "-" : entry.user, entry.peer, UTCTime.format(entry.since),
                NumberText.duration(seconds: age), NumberText.bytes(entry.bytesIn), NumberText.bytes(entry.bytesOut),
            ])
        }
        return table.rendered()
    }

    static func sessionsJSON(_ entries: [SessionEntry]) -> JSONValue {
        .array(
            entries.map {
                .object([
                    ("id", .string($0.id)), ("user", $0.user.isEmpty ? .null : .string($0.user)),
                    ("peer", .string($0.peer)), ("since", .integer($0.since)),
                    ("bytes_in", .unsigned($0.bytesIn)), ("bytes_out", .unsigned($0.bytesOut)),
                ])
            })
    }

    static func serverInfo(_ info: ServerInfo, endpoint: String) -> String {
        "\(endpoint): \(info.version), up \(NumberText.duration(seconds: info.uptimeSeconds))"
    }

    static func serverInfoJSON(_ info: ServerInfo) -> JSONValue {
        .object([
            ("version", .string(info.version)), ("uptime_seconds", .unsigned(info.uptimeSeconds)),
            ("time", .integer(info.time)),
        ])
    }
}
