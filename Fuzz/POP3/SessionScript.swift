@testable import POP3Core

/// A fuzz input read as a session: LF-separated lines. A line starting with 0xFF is a handler event, not a client
/// line: `FF 'C' flags badBefore badAfter` (first line only) configures the session, `FF 'L' uidl 00 uidl ...` sets
/// the next listing, `FF 'T'`, `FF 'I'`, `FF 'S'` are line-too-long, idle timeout and shutdown, and
/// `FF 'X' kind number flags text...` gives a callback. Client lines over 1,024 octets become line-too-long, as the
/// framer does.
struct SessionScript {
    enum Step {
        case line([UInt8])
        case event(ScriptEvent)
    }

    static let marker: UInt8 = 0xFF
    static let maxLineOctets = 1_024

    private(set) var configuration = POP3SessionConfiguration()
    private(set) var steps: [Step] = []

    init(_ input: [UInt8]) {
        var lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if let first = lines.first, first.count >= 2, first.first == Self.marker,
            first[first.startIndex + 1] == UInt8(ascii: "C")
        {
            configuration = Self.configuration(Array(first.dropFirst(2)))
            lines.removeFirst()
        }
        for var line in lines {
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            steps.append(Self.step(Array(line)))
        }
    }

    private static func configuration(_ arguments: [UInt8]) -> POP3SessionConfiguration {
        let flags = arguments.first ?? 0
        return POP3SessionConfiguration(
            tlsAvailable: flags & 1 != 0,
            tlsActive: flags & 2 != 0,
            plaintextAuthAllowed: flags & 4 == 0,
            maxBadCommandsBeforeLogin: 1 + Int(arguments.dropFirst(1).first ?? 9) % 20,
            maxBadCommandsAfterLogin: 1 + Int(arguments.dropFirst(2).first ?? 19) % 30)
    }

    private static func step(_ line: [UInt8]) -> Step {
        if line.count > maxLineOctets { return .event(.lineTooLong) }
        guard line.count >= 2, line[0] == marker else { return .line(line) }
        let arguments = Array(line.dropFirst(2))
        switch line[1] {
        case UInt8(ascii: "L"): return .event(.setListing(listing(arguments)))
        case UInt8(ascii: "T"): return .event(.lineTooLong)
        case UInt8(ascii: "I"): return .event(.idleTimeout)
        case UInt8(ascii: "S"): return .event(.shutdown)
        case UInt8(ascii: "X"): return .event(.callback(callback(arguments)))
        default: return .line(line)
        }
    }

    /// One entry per NUL-separated chunk; the chunk is the UIDL (any bytes, so odd UIDLs reach the encoder).
    static func listing(_ arguments: [UInt8]) -> [MaildropEntry] {
        guard !arguments.isEmpty else { return [] }
        return arguments.split(separator: 0, omittingEmptySubsequences: false).prefix(200).map { chunk in
            MaildropEntry(size: chunk.count * 37 + Int(chunk.first ?? 0), uidl: String(decoding: chunk, as: UTF8.self))
        }
    }

    private static func callback(_ arguments: [UInt8]) -> ScriptCallback {
        let kind = (arguments.first ?? 0) % 8
        let numberByte = arguments.dropFirst(1).first ?? 0
        let number: Int? = numberByte == 0 ? nil : Int(numberByte)
        let flags = arguments.dropFirst(2).first ?? 0
        let succeeded = flags & 1 != 0
        let text = String(decoding: arguments.dropFirst(3), as: UTF8.self)
        switch kind {
        case 0: return .start
        case 1: return .authenticationSucceeded
        case 2: return .authenticationFailed(failure(flags, text))
        case 3: return .messageSent(number: number)
        case 4: return .messageUnavailable(number: number)
        case 5: return .deletionRecorded(number: number, succeeded: succeeded)
        case 6: return .deletionsReset(succeeded: succeeded)
        default: return .updateFinished(succeeded: succeeded)
        }
    }

    private static func failure(_ flags: UInt8, _ text: String) -> AuthenticationFailure {
        switch (flags >> 1) % 4 {
        case 0: .badCredentials
        case 1: .maildropInUse
        case 2: .temporary(text)
        default: .permanent(text)
        }
    }
}
