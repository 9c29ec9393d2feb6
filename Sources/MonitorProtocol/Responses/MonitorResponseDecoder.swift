/// The client's incremental response framer. Made for the version of the requests sent: a v2 client still
/// reads a v1-shaped answer (a server that does not speak v2 answers `01 00 01 00`: bad version).
public struct MonitorResponseDecoder: Sendable {
    /// One result of `next()`.
    public enum Step: Sendable, Hashable {
        case needMore
        case frame(MonitorResponseFrame)
        /// The stream cannot be framed; every later call returns the same failure.
        case failure(MonitorDecodingError)
    }

    private let version: MonitorVersion
    private var buffer = FrameBuffer()
    private var failed: MonitorDecodingError?

    public init(version: MonitorVersion) {
        self.version = version
    }

    public var bufferedByteCount: Int { buffer.count }

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        guard failed == nil else { return }
        buffer.append(bytes)
    }

    public mutating func next() -> Step {
        if let failed { return .failure(failed) }
        guard buffer.count >= 1 else { return .needMore }
        if version == .v2 && buffer[0] == MonitorVersion.v2.rawValue {
            return nextV2()
        }
        return nextLegacy()
    }

    private mutating func nextLegacy() -> Step {
        let header = MonitorLimits.v1ResponseHeaderSize
        guard buffer.count >= header else { return .needMore }
        let length = Int(buffer.integer(at: 1, size: 2))
        guard buffer.count >= header + length else { return .needMore }
        let frame = MonitorResponseFrame(
            version: .v1, requestID: 0, opcode: 0, status: MonitorStatus(rawValue: buffer[0]),
            data: buffer.bytes(at: header, count: length))
        buffer.consume(header + length)
        return .frame(frame)
    }

    private mutating func nextV2() -> Step {
        let header = MonitorLimits.v2ResponseHeaderSize
        guard buffer.count >= header else { return .needMore }
        let declared = buffer.integer(at: 7, size: 4)
        guard declared <= UInt64(MonitorLimits.v2MaxResponseDataLength) else {
            failed = .tooLarge(declared)
            buffer = FrameBuffer()
            return .failure(.tooLarge(declared))
        }
        let length = Int(declared)
        guard buffer.count >= header + length else { return .needMore }
        let frame = MonitorResponseFrame(
            version: .v2, requestID: UInt32(truncatingIfNeeded: buffer.integer(at: 1, size: 4)),
            opcode: buffer[5], status: MonitorStatus(rawValue: buffer[6]),
            data: buffer.bytes(at: header, count: length))
        buffer.consume(header + length)
        return .frame(frame)
    }
}
