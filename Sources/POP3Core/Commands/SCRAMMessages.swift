/// The client's two SCRAM-SHA-256 messages (RFC 5802 section 7, RFC 7677), parsed and bounded. Only the proof
/// needs the stored verifier; the server checks it.
struct SCRAMClientFirst: Equatable, Sendable {
    /// `n,,` (or `y,,`): repeated, base64-encoded, in the client's final message as `c=`.
    let gs2Header: [UInt8]
    /// The user from `n=`, saslname escapes (=2C, =3D) undone.
    let user: String
    let clientNonce: [UInt8]
    /// `n=...,r=...[,ext]`: the first part of the AuthMessage.
    let bare: [UInt8]

    enum Problem: Error, Equatable {
        case malformed
        /// `p=`: the client wants channel binding (SCRAM-SHA-256-PLUS), which is not offered.
        case channelBindingRequested
    }

    /// Decodes the base64 text of the client's first message: `gs2-header n=USER,r=NONCE[,extensions]`.
    static func decode(_ text: some Collection<UInt8>) -> Result<SCRAMClientFirst, Problem> {
        guard text.count <= SCRAMLimits.maxMessageOctets * 4 / 3 + 4, let message = StrictBase64.decode(text),
            message.count <= SCRAMLimits.maxMessageOctets
        else { return .failure(.malformed) }
        let parts = message.split(separator: comma, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(.malformed) }
        switch Array(parts[0]) {
        // "y": the client could bind, but believes the server cannot; right, as no -PLUS is offered.
        case Array("n".utf8), Array("y".utf8): break
        case let flag where flag.first == UInt8(ascii: "p"): return .failure(.channelBindingRequested)
        default: return .failure(.malformed)
        }
        let bare = Array(parts[2])
        let fields = bare.split(separator: comma, omittingEmptySubsequences: false)
        guard fields.count >= 2, fields[0].starts(with: Array("n=".utf8)), fields[1].starts(with: Array("r=".utf8)),
            let name = SASLBearerResponse.unescapeSASLName(fields[0].dropFirst(2)),
            let user = POP3CommandParser.userName(name)
        else { return .failure(.malformed) }
        // An authorization identity other than the user itself is not supported.
        if !parts[1].isEmpty {
            guard parts[1].starts(with: Array("a=".utf8)),
                SASLBearerResponse.unescapeSASLName(parts[1].dropFirst(2)) == name
            else { return .failure(.malformed) }
        }
        let nonce = Array(fields[1].dropFirst(2))
        guard SCRAMLimits.isNonce(nonce), fields.dropFirst(2).allSatisfy(isExtension) else {
            return .failure(.malformed)
        }
        let header = Array(parts[0]) + [comma] + Array(parts[1]) + [comma]
        return .success(SCRAMClientFirst(gs2Header: header, user: user, clientNonce: nonce, bare: bare))
    }

    /// `x=value` with a letter key; `m=` (a mandatory extension) is not understood, so it is refused.
    static func isExtension(_ field: ArraySlice<UInt8>) -> Bool {
        guard field.count >= 2, let key = field.first, field[field.startIndex + 1] == UInt8(ascii: "=") else {
            return false
        }
        return key != UInt8(ascii: "m") && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(key)
    }

    static let comma = UInt8(ascii: ",")
}

/// The client's final message: `c=CBIND,r=NONCE[,extensions],p=PROOF`.
struct SCRAMClientFinal: Equatable, Sendable {
    /// `c=` decoded: must equal the first message's GS2 header.
    let channelBinding: [UInt8]
    /// The client's nonce followed by the server's.
    let nonce: [UInt8]
    /// ClientProof, 32 octets.
    let proof: [UInt8]
    /// Everything before `,p=`: the last part of the AuthMessage.
    let withoutProof: [UInt8]

    static func decode(_ text: some Collection<UInt8>) -> SCRAMClientFinal? {
        guard text.count <= SCRAMLimits.maxMessageOctets * 4 / 3 + 4, let message = StrictBase64.decode(text),
            message.count <= SCRAMLimits.maxMessageOctets
        else { return nil }
        let fields = message.split(separator: SCRAMClientFirst.comma, omittingEmptySubsequences: false)
        guard fields.count >= 3, let last = fields.last, last.starts(with: Array("p=".utf8)),
            fields[0].starts(with: Array("c=".utf8)), fields[1].starts(with: Array("r=".utf8)),
            fields.dropFirst(2).dropLast().allSatisfy(SCRAMClientFirst.isExtension),
            let binding = StrictBase64.decode(fields[0].dropFirst(2)),
            let proof = StrictBase64.decode(last.dropFirst(2)), proof.count == 32
        else { return nil }
        let nonce = Array(fields[1].dropFirst(2))
        guard SCRAMLimits.isNonce(nonce) else { return nil }
        let withoutProof = Array(message.prefix(message.count - last.count - 1))
        return SCRAMClientFinal(channelBinding: binding, nonce: nonce, proof: proof, withoutProof: withoutProof)
    }
}

/// Bounds on SCRAM messages, so a client cannot make the server hold or hash much.
enum SCRAMLimits {
    /// Decoded octets of one client message (a user name, a nonce, a proof and room for extensions).
    static let maxMessageOctets = 600
    static let maxNonceOctets = 256

    /// RFC 5802's printable: %x21-2B / %x2D-7E (no comma).
    static func isNonce(_ nonce: [UInt8]) -> Bool {
        (1...maxNonceOctets).contains(nonce.count)
            && nonce.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }
    }
}
