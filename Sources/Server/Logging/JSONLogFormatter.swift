public import Foundation
public import Logging

/// Turns one log event into one line of JSON for log shippers: `time`, `level`, `label`, `message`, then every
/// metadata key as a top-level field.
public struct JSONLogFormatter: Sendable {
    /// The fields every line has. A metadata key with one of these names is written as `meta_<key>` instead.
    public static let eventFields: Set<String> = ["time", "level", "label", "message"]

    public init() {}

    /// Merges metadata the way swift-log's own handlers do (handler, then provider, then the call's own, then the
    /// error) and formats the line.
    public func line(
        for event: LogEvent, label: String, handlerMetadata: Logger.Metadata,
        provider: Logger.MetadataProvider?, time: Date = Date()
    ) -> [UInt8] {
        var metadata = handlerMetadata
        if let provided = provider?.get(), !provided.isEmpty {
            metadata.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            metadata.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return line(
            time: time, level: event.level, label: label, message: event.message.description, metadata: metadata)
    }

    /// One JSON object and a line feed, as UTF-8. Metadata keys are sorted so equal events give equal lines.
    public func line(
        time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + message.utf8.count + metadata.count * 24)
        out += Array(#"{"time":""#.utf8)
        ISO8601Milliseconds.append(time, to: &out)
        out += Array(#"","level":"#.utf8)
        JSONText.appendString(level.rawValue, to: &out)
        out += Array(#","label":"#.utf8)
        JSONText.appendString(label, to: &out)
        out += Array(#","message":"#.utf8)
        JSONText.appendString(message, to: &out)
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            out.append(UInt8(ascii: ","))
            JSONText.appendString(Self.eventFields.contains(key) ? "meta_\(key)" : key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONText.append(value, to: &out)
        }
        out += Array("}\n".utf8)
        return out
    }
}
