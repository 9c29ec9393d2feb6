/// A request the server refuses: the status to answer and a message for the log and (v2) the client.
public struct MonitorFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: MonitorStatus
    public var message: String

    public init(_ status: MonitorStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status): \(message)" }
}
