import MonitorProtocol
import Testing

/// The seed's default token, as bytes and as a value.
let seedTokenText = "123456789abcdef1"
let seedTokenBytes = Array(seedTokenText.utf8)
let seedToken = MonitorToken(seedTokenText)!

/// Feeds whole bytes to a fresh decoder and returns its first step.
func decodeRequest(_ bytes: [UInt8]) -> MonitorRequestDecoder.Step {
    var decoder = MonitorRequestDecoder()
    decoder.feed(bytes)
    return decoder.next()
}

/// The frame in bytes, or a test failure.
func requireFrame(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> MonitorRequestFrame {
    guard case .frame(let frame) = decodeRequest(bytes) else {
        Issue.record("expected a frame", sourceLocation: sourceLocation)
        throw FrameMissing()
    }
    return frame
}

struct FrameMissing: Error {}

/// The status `operation()` refuses a frame with, or nil when it accepts it.
func refusal(_ frame: MonitorRequestFrame) -> MonitorStatus? {
    do {
        _ = try frame.operation()
        return nil
    } catch {
        return error.status
    }
}

/// A v1 request: 01, the seed token, METHOD, TARGET, DLEN, DATA.
func legacyBytes(method: UInt8, target: UInt8, data: [UInt8], dlen: Int? = nil) -> [UInt8] {
    let length = dlen ?? data.count
    return [0x01] + seedTokenBytes + [method, target, UInt8(length >> 8), UInt8(length & 0xff)] + data
}

/// A v2 request: 02, the seed token, REQID, OP, DLEN(4), DATA.
func v2Bytes(requestID: UInt32 = 7, op: UInt8, data: [UInt8], dlen: UInt32? = nil) -> [UInt8] {
    let length = dlen ?? UInt32(data.count)
    return [0x02] + seedTokenBytes + bigEndian(requestID) + [op] + bigEndian(length) + data
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
}

/// A small deterministic generator, so a failing random case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
