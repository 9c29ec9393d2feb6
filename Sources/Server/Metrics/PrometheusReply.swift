/// What the metrics port answers to one request; a pure function of method and target, so it is unit-tested.
struct PrometheusReply: Sendable, Equatable {
    let status: Int
    let reason: String
    let contentType: String
    let body: String
    /// The `Allow` header of a 405.
    let allow: String?

    /// The one path served.
    static let path = "/metrics"

    /// `GET /metrics` (any query string) gets the exposition; another path 404; another method on it 405.
    static func answer(method: String, target: String, metrics: ServerMetrics, version: String, node: String)
        -> PrometheusReply
    {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == Self.path else {
            return PrometheusReply(
                status: 404, reason: "Not Found", contentType: plainText, body: "Not found: try \(Self.path)\n",
                allow: nil)
        }
        guard method == "GET" else {
            return PrometheusReply(
                status: 405, reason: "Method Not Allowed", contentType: plainText, body: "Only GET is allowed\n",
                allow: "GET")
        }
        return PrometheusReply(
            status: 200, reason: "OK", contentType: PrometheusExposition.contentType,
            body: PrometheusExposition.render(metrics, version: version, node: node), allow: nil)
    }

    /// The answer on a connection over the metrics port's caps (then it closes).
    static let tooManyConnections = PrometheusReply(
        status: 503, reason: "Service Unavailable", contentType: plainText,
        body: "Too many connections to the metrics port; try again later\n", allow: nil)

    private static let plainText = "text/plain; charset=utf-8"
}
