import Foundation
import Logging
import Server

/// The swift-log handler of `--log-format json`: one JSON object per line on standard output
/// (the format itself is `JSONLogFormatter`, in the Server library where it is tested).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let writer: LineWriter
    private let formatter = JSONLogFormatter()

    init(label: String, writer: LineWriter = .standardOutput) {
        self.label = label
        self.writer = writer
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    func log(event: LogEvent) {
        writer.write(formatter.line(for: event, label: label, handlerMetadata: metadata, provider: metadataProvider))
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
