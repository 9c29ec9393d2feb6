/// A complete response as framed, before its DATA is decoded.
public struct MonitorResponseFrame: Sendable, Hashable {
    /// `.v1` for a v1-shaped frame (also what a server sends for a version it does not speak).
    public var version: MonitorVersion
    public var requestID: UInt32
    public var opcode: UInt8
    public var status: MonitorStatus
    public var data: [UInt8]

    public init(version: MonitorVersion, requestID: UInt32, opcode: UInt8, status: MonitorStatus, data: [UInt8]) {
        self.version = version
        self.requestID = requestID
        self.opcode = opcode
        self.status = status
        self.data = data
    }
}
