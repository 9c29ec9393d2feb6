/// The server's incremental request framer: feed bytes as they arrive, then call `next()` until `.needMore`.
/// It checks only the version and the length; `MonitorRequestFrame.operation()` checks the rest.
public struct MonitorRequestDecoder: Sendable {
    /// One result of `next()`.
    public enum Step: Sendable, Hashable {
        /// No complete frame yet.
        case needMore
        /// A complete frame, removed from the buffer.
        case frame(MonitorRequestFrame)
        /// The stream cannot be framed; every later call returns the same failure.
        case failure(MonitorFrameError)
    }

    private var buffer = FrameBuffer()
    private var failed: MonitorFrameError?

    public init() {}

    /// Bytes received and not yet returned in a frame. Non-zero means a frame is in progress (its deadline runs).
    public var bufferedByteCount: Int { buffer.count }

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        guard failed == nil else { return }
        buffer.append(bytes)
    }

    public mutating func next() -> Step {
        if let failed { return .failure(failed) }
        guard buffer.count >= 1 else { return .needMore }
        switch MonitorVersion(rawValue: buffer[0]) {
        case .v1?: return nextLegacy()
        case .v2?: return nextV2()
        case nil:
            return fail(
                MonitorFrameError(
                    status: .badVersion, version: nil, requestID: 0, method: 0,
                    message: "unknown protocol version 0x\(HexText.byte(buffer[0]))"))
        }
    }

    private mutating func nextLegacy() -> Step {
        let header = MonitorLimits.v1RequestHeaderSize
        guard buffer.count >= header else { return .needMore }
        let length = Int(buffer.integer(at: 19, size: 2))
        guard buffer.count >= header + length else { return .needMore }
        let frame = MonitorRequestFrame(
            version: .v1, tokenBytes: buffer.bytes(at: 1, count: 16), requestID: 0,
            method: buffer[17], target: buffer[18], data: buffer.bytes(at: header, count: length))
        buffer.consume(header + length)
        return .frame(frame)
    }

    private mutating func nextV2() -> Step {
        let header = MonitorLimits.v2RequestHeaderSize
        guard buffer.count >= header else { return .needMore }
        let requestID = UInt32(truncatingIfNeeded: buffer.integer(at: 17, size: 4))
        let opcode = buffer[21]
        let declared = buffer.integer(at: 22, size: 4)
        guard declared <= UInt64(MonitorLimits.v2MaxRequestDataLength) else {
            return fail(
                MonitorFrameError(
                    status: .tooLarge, version: .v2, requestID: requestID, method: opcode,
                    message: "DLEN \(declared) is over the limit of \(MonitorLimits.v2MaxRequestDataLength)"))
        }
        let length = Int(declared)
        guard buffer.count >= header + length else { return .needMore }
        let frame = MonitorRequestFrame(
            version: .v2, tokenBytes: buffer.bytes(at: 1, count: 16), requestID: requestID,
            method: opcode, target: 0, data: buffer.bytes(at: header, count: length))
        buffer.consume(header + length)
        return .frame(frame)
    }

    private mutating func fail(_ error: MonitorFrameError) -> Step {
        failed = error
        buffer = FrameBuffer()
        return .failure(error)
    }
}
