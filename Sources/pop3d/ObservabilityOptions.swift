import ArgumentParser
import Logging
import Server

/// Log format for people or for log shippers, and the Prometheus endpoint.
struct ObservabilityOptions: ParsableArguments {
    /// `text`: swift-log's usual lines; `json`: one JSON object per line.
    enum LogFormat: String, CaseIterable, ExpressibleByArgument {
        case text
        case json
    }

    @Option(
        name: .customLong("log-format"),
        help: "text (for people) or json (one object per line: time, level, label, message, metadata fields).")
    var logFormat: LogFormat = .text

    @Option(
        name: .customLong("metrics-listen"),
        help: "ADDR:PORT ([ADDR]:PORT for IPv6) serving /metrics for Prometheus, e.g. 127.0.0.1:9110. Off unless given."
    )
    var metricsListen: String?

    @Option(
        name: .customLong("metrics-max-connections"),
        help: "Metrics connections in total; over it (or the per-address cap) a request is answered 503.")
    var metricsMaximumConnections = ConnectionCaps.metricsDefault.total

    @Option(
        name: .customLong("metrics-max-connections-per-address"),
        help: "Metrics connections from one client address (loopback included).")
    var metricsMaximumConnectionsPerAddress = ConnectionCaps.metricsDefault.perAddress

    @Option(
        name: .customLong("metrics-request-timeout"),
        help: "Seconds a metrics request may take to arrive, from its first byte; a slower one is closed.")
    var metricsRequestTimeout: Double = 10

    func validate() throws {
        if let metricsListen, MetricsListenAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen \(metricsListen) is not ADDR:PORT (port 0...65535, IPv6 in [])")
        }
        guard metricsMaximumConnections > 0, metricsMaximumConnectionsPerAddress > 0 else {
            throw ValidationError("metrics connection limits must be above 0")
        }
        guard metricsRequestTimeout > 0 else { throw ValidationError("--metrics-request-timeout must be above 0") }
    }

    /// The handler factory for `LoggingSystem.bootstrap`.
    func logHandlerFactory(level: Logger.Level) -> @Sendable (String) -> any LogHandler {
        switch logFormat {
        case .text:
            return { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            return { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.metricsListen = metricsListen.flatMap(MetricsListenAddress.init)
        configuration.metricsConnectionCaps = ConnectionCaps(
            total: metricsMaximumConnections, perAddress: metricsMaximumConnectionsPerAddress)
        configuration.metricsRequestTimeout = .seconds(metricsRequestTimeout)
    }
}
