import MonitorProtocol

/// One chart of the report: a line per metric over the history's buckets, drawn in inline SVG.
struct ReportChart: Sendable {
    struct Series: Sendable {
        let metric: MetricID
        let label: String
        /// An SVG colour.
        let colour: String
    }

    let id: String
    let title: String
    let series: [Series]
    let bytes: Bool

    static let all: [ReportChart] = [
        ReportChart(
            id: "connections", title: "Connections accepted",
            series: [Series(metric: .connectionsTotal, label: "accepted", colour: "#1f77b4")], bytes: false),
        ReportChart(
            id: "logins", title: "Logins",
            series: [
                Series(metric: .loginsOK, label: "ok", colour: "#2ca02c"),
                Series(metric: .loginsFailed, label: "failed", colour: "#d62728"),
            ], bytes: false),
        ReportChart(
            id: "bytes", title: "Bytes",
            series: [
                Series(metric: .bytesOut, label: "sent", colour: "#9467bd"),
                Series(metric: .bytesIn, label: "received", colour: "#8c564b"),
            ], bytes: true),
        ReportChart(
            id: "messages", title: "Messages",
            series: [
                Series(metric: .messagesRetrieved, label: "retrieved", colour: "#ff7f0e"),
                Series(metric: .messagesDeleted, label: "deleted", colour: "#7f7f7f"),
            ], bytes: false),
    ]

    /// The plot's geometry, in SVG user units.
    static let width = 720.0
    static let height = 200.0
    static let left = 64.0
    static let right = 12.0
    static let top = 12.0
    static let bottom = 28.0

    /// The x of bucket `index` of `count`: the buckets spread over the plot's width.
    static func x(_ index: Int, of count: Int) -> Double {
        let plot = width - left - right
        return count <= 1 ? left + plot / 2 : left + plot * Double(index) / Double(count - 1)
    }

    /// The y of `value` on a scale from 0 to `maximum`.
    static func y(_ value: Double, maximum: Double) -> Double {
        let plot = height - top - bottom
        return top + plot * (1 - (maximum > 0 ? min(max(value, 0), maximum) / maximum : 0))
    }
}
