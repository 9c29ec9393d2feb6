/// The server's framer over any bytes: the same frames and failure however the bytes are cut, each frame equal
/// to the bytes it came from, a failure that sticks, and the right status for an unframeable stream.
enum RequestStreamInvariants {
    enum Event: Equatable {
        case frame(MonitorRequestFrame)
        case failure(MonitorFrameError)
    }

    static func check(_ input: [UInt8], pieces: [ArraySlice<UInt8>]) {
        let (events, buffered) = decode(pieces)
        let (whole, wholeBuffered) = decode([input[...]])
        invariant(events == whole && buffered == wholeBuffered, "framing depends on how the bytes are cut")
        var offset = 0
        for event in events {
            switch event {
            case .frame(let frame):
                let bytes = wireBytes(of: frame)
                invariant(
                    offset + bytes.count <= input.count && Array(input[offset..<(offset + bytes.count)]) == bytes,
                    "frame at \(offset) differs from its bytes")
                offset += bytes.count
                FrameInvariants.check(frame, wire: bytes)
            case .failure(let error):
                checkFailure(error, firstByte: input[offset], remaining: input.count - offset)
                return
            }
        }
        invariant(buffered == input.count - offset, "\(buffered) bytes buffered, \(input.count - offset) unframed")
    }

    /// Every step of a decoder fed `pieces` in turn, and the bytes it still holds.
    private static func decode(_ pieces: [ArraySlice<UInt8>]) -> ([Event], Int) {
        var decoder = MonitorRequestDecoder()
        var events: [Event] = []
        for piece in pieces {
            decoder.feed(piece)
            reading: while true {
                switch decoder.next() {
                case .needMore:
                    break reading
                case .frame(let frame):
                    events.append(.frame(frame))
                case .failure(let error):
                    events.append(.failure(error))
                    decoder.feed([0x01, 0x02])
                    invariant(decoder.next() == .failure(error), "a framing failure did not stick")
                    invariant(decoder.bufferedByteCount == 0, "a failed decoder keeps bytes")
                    return (events, 0)
                }
            }
        }
        return (events, decoder.bufferedByteCount)
    }

    private static func checkFailure(_ error: MonitorFrameError, firstByte: UInt8, remaining: Int) {
        let response = error.response.encoded()
        switch MonitorVersion(rawValue: firstByte) {
        case nil:
            invariant(
                error.status == .badVersion && response == [0x01, 0x00, 0x01, 0x00], "bad version answered \(response)")
        case .v2?:
            invariant(
                error.status == .tooLarge && remaining >= MonitorLimits.v2RequestHeaderSize, "v2 failure \(error)")
            invariant(
                response.count >= 11 && response[0] == 0x02 && response[6] == 0x09, "too large answered \(response)")
        case .v1?:
            invariant(false, "a v1 stream cannot fail to frame: \(error)")
        }
    }

    /// The bytes a frame is made of, rebuilt from its fields.
    static func wireBytes(of frame: MonitorRequestFrame) -> [UInt8] {
        var bytes = [frame.version.rawValue] + frame.tokenBytes
        switch frame.version {
        case .v1:
            invariant(frame.requestID == 0 && frame.data.count <= MonitorLimits.v1MaxDataLength, "v1 frame fields")
            bytes += [frame.method, frame.target] + bigEndian(UInt64(frame.data.count), size: 2)
        case .v2:
            invariant(frame.target == 0 && frame.data.count <= MonitorLimits.v2MaxRequestDataLength, "v2 frame fields")
            bytes += bigEndian(UInt64(frame.requestID), size: 4) + [frame.method]
            bytes += bigEndian(UInt64(frame.data.count), size: 4)
        }
        return bytes + frame.data
    }

    static func bigEndian(_ value: UInt64, size: Int) -> [UInt8] {
        (0..<size).reversed().map { UInt8(truncatingIfNeeded: value >> UInt64($0 * 8)) }
    }
}
