import MonitorProtocol

/// A metric as typed: its name ("connections_total"), its id ("1"), or a short alias ("connections").
enum MetricName {
    static let aliases: [String: MetricID] = [
        "connections": .connectionsTotal,
        "current": .connectionsCurrent,
        "bytes": .bytesOut,
        "logins": .loginsOK,
        "uptime": .uptimeSeconds,
    ]

    static func resolve(_ text: String) -> MetricID? {
        let lowered = text.lowercased()
        if let metric = MetricID(name: lowered) { return metric }
        if let alias = aliases[lowered] { return alias }
        if let number = UInt8(lowered) { return MetricID(rawValue: number) }
        return nil
    }

    /// The names an operator may type, for help and errors.
    static var choices: String {
        MetricID.allCases.map(\.name).joined(separator: ", ")
    }
}
