/// A request stream the server cannot frame: an unknown version or a DLEN over the limit. The stream cannot be
/// resynchronised, so the server sends `response` and closes the connection.
public struct MonitorFrameError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: MonitorStatus
    /// The frame's version when it was known (nil for an unknown version byte).
    public var version: MonitorVersion?
    public var requestID: UInt32
    public var method: UInt8
    public var message: String

    public init(status: MonitorStatus, version: MonitorVersion?, requestID: UInt32, method: UInt8, message: String) {
        self.status = status
        self.version = version
        self.requestID = requestID
        self.method = method
        self.message = message
    }

    /// The answer: in the frame's version, or v1-shaped (`01 00 01 00`) for an unknown version.
    public var response: MonitorResponse {
        MonitorResponse(
            version: version ?? .v1, requestID: requestID, opcode: method, status: status,
            body: .failure(message: message))
    }

    public var description: String { "\(status): \(message)" }
}
