public import MonitorProtocol

/// The Prometheus text exposition format 0.0.4 of the live metrics: `# HELP`, `# TYPE` and one sample per metric,
/// plus `pop3d_build_info{node="…",version="…"} 1`. Every sample carries the `node` label, so the series of the
/// nodes of a cluster stay apart even when a scrape's target labels do not tell them apart.
public enum PrometheusExposition {
    /// The `Content-Type` Prometheus expects for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The whole scrape body, one metric family after another, ending with a line feed. `node` is the server's node
    /// name (`--node-name`, by default the host name).
    public static func render(_ snapshot: [(MetricID, Int64)], version: String, node: String) -> String {
        let nodeLabel = "node=\"\(escapeLabelValue(node))\""
        var text = ""
        for (metric, value) in snapshot {
            let family = PrometheusMetric(metric)
            appendFamily(name: family.name, help: family.help, kind: family.kind, to: &text)
            text += "\(family.name){\(nodeLabel)} \(value)\n"
        }
        appendFamily(
            name: "pop3d_build_info", help: "The running pop3d's version; the value is always 1.", kind: .gauge,
            to: &text)
        text += "pop3d_build_info{\(nodeLabel),version=\"\(escapeLabelValue(version))\"} 1\n"
        return text
    }

    private static func appendFamily(name: String, help: String, kind: PrometheusMetric.Kind, to text: inout String) {
        text += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// HELP text: backslash and line feed are escaped.
    static func escapeHelp(_ text: String) -> String {
        escape(text, quotes: false)
    }

    /// Label values: backslash, double quote and line feed are escaped.
    static func escapeLabelValue(_ text: String) -> String {
        escape(text, quotes: true)
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quotes: escaped += "\\\""
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
