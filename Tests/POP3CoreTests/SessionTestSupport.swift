import Foundation

@testable import POP3Core

/// Helpers that drive a `POP3Session` with text lines and read back what it sends.
extension POP3Session {
    mutating func receive(_ line: String) -> [POP3SessionAction] {
        receiveLine(Array(line.utf8))
    }

    /// A session already logged in as `alice` with the given message sizes (uidl `uid<n>`).
    static func loggedIn(
        sizes: [Int] = [120, 200, 300],
        configuration: POP3SessionConfiguration = POP3SessionConfiguration()
    ) -> POP3Session {
        var session = POP3Session(configuration: configuration)
        _ = session.start()
        _ = session.receive("USER alice")
        _ = session.receive("PASS secret")
        let listing = sizes.enumerated().map { MaildropEntry(size: $0.element, uidl: "uid\($0.offset + 1)") }
        _ = session.authenticationSucceeded(listing: listing)
        return session
    }
}

/// The first line of every response in `actions`, as text without CRLF.
func sentLines(_ actions: [POP3SessionAction]) -> [String] {
    actions.compactMap { action in
        guard case .send(let response) = action else { return nil }
        let text = String(decoding: response.encoded(), as: UTF8.self)
        return String(text.prefix { $0 != "\r\n" })  // CRLF is one Character
    }
}

/// The whole wire text of every response in `actions`.
func sentText(_ actions: [POP3SessionAction]) -> String {
    actions.map { action in
        guard case .send(let response) = action else { return "" }
        return String(decoding: response.encoded(), as: UTF8.self)
    }.joined()
}

/// Whether `actions` end the session.
func closes(_ actions: [POP3SessionAction]) -> SessionEnd? {
    for case .close(let end) in actions { return end }
    return nil
}

/// base64 of `authzid NUL authcid NUL password`.
func saslPlain(_ authzid: String, _ user: String, _ password: String) -> String {
    Data("\(authzid)\0\(user)\0\(password)".utf8).base64EncodedString()
}

/// A small deterministic generator so a failing random test can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
