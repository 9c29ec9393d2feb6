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

    func validate() throws {
        if let metricsListen, MetricsListenAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen \(metricsListen) is not ADDR:PORT (port 0...65535, IPv6 in [])")
        }
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
    }
}
