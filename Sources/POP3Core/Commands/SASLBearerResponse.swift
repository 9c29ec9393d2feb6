/// A decoded bearer-token response: SASL OAUTHBEARER (RFC 7628) or Google's XOAUTH2. The token itself is checked by
/// the server (signature, issuer, audience, times, user); here only its framing is.
struct SASLBearerResponse: Equatable, Sendable {
    /// The user the client names (OAUTHBEARER's `a=`, XOAUTH2's `user=`), if any; it must match the token's user.
    let user: String?
    /// The bearer token (a JWT), without `Bearer `.
    let token: [UInt8]

    /// Why a response was refused.
    enum Problem: Error, Equatable {
        case malformed
        /// OAUTHBEARER's `p=` flag: channel binding is not offered.
        case channelBindingRequested
    }

    private static let separator: UInt8 = 0x01

    /// Decodes the base64 text of an OAUTHBEARER response: `gs2-header %x01 *(key=value %x01) %x01`.
    static func decodeOAuthBearer(_ text: some Collection<UInt8>) -> Result<SASLBearerResponse, Problem> {
        guard let decoded = StrictBase64.decode(text), decoded.last == separator else { return .failure(.malformed) }
        let fields = decoded.split(separator: separator, omittingEmptySubsequences: false)
        // The header, the pairs, then two empty fields from the closing %x01 %x01.
        guard fields.count >= 3, fields[fields.count - 1].isEmpty, fields[fields.count - 2].isEmpty else {
            return .failure(.malformed)
        }
        let header = fields[0].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard header.count == 3, header[2].isEmpty else { return .failure(.malformed) }
        switch header[0].first {
        case UInt8(ascii: "p"): return .failure(.channelBindingRequested)
        case UInt8(ascii: "n"), UInt8(ascii: "y"): guard header[0].count == 1 else { return .failure(.malformed) }
        default: return .failure(.malformed)
        }
        var user: String?
        if !header[1].isEmpty {
            guard header[1].starts(with: Array("a=".utf8)), let name = unescapeSASLName(header[1].dropFirst(2)),
                let checked = POP3CommandParser.userName(name)
            else { return .failure(.malformed) }
            user = checked
        }
        guard let token = token(in: fields.dropFirst().dropLast(2), userKey: nil) else { return .failure(.malformed) }
        return .success(SASLBearerResponse(user: user, token: token.token))
    }

    /// Decodes the base64 text of an XOAUTH2 response: `user=NAME %x01 auth=Bearer TOKEN %x01 %x01`.
    static func decodeXOAuth2(_ text: some Collection<UInt8>) -> Result<SASLBearerResponse, Problem> {
        guard let decoded = StrictBase64.decode(text), decoded.last == separator else { return .failure(.malformed) }
        let fields = decoded.split(separator: separator, omittingEmptySubsequences: false)
        guard fields.count >= 3, fields[fields.count - 1].isEmpty, fields[fields.count - 2].isEmpty,
            let found = token(in: fields.dropLast(2), userKey: Array("user".utf8)), let name = found.user,
            let user = POP3CommandParser.userName(name)
        else { return .failure(.malformed) }
        return .success(SASLBearerResponse(user: user, token: found.token))
    }

    /// The `auth=Bearer TOKEN` pair (required, once) and, with `userKey`, that pair's value; other pairs (`host`,
    /// `port`) are ignored.
    private static func token(
        in pairs: some Collection<ArraySlice<UInt8>>, userKey: [UInt8]?
    ) -> (token: [UInt8], user: [UInt8]?)? {
        var token: [UInt8]?
        var user: [UInt8]?
        for pair in pairs {
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")), equals > pair.startIndex else { return nil }
            let key = pair[..<equals]
            let value = Array(pair[pair.index(after: equals)...])
            guard key.allSatisfy(isKeyCharacter) else { return nil }
            if key.elementsEqual("auth".utf8) {
                let scheme = Array("bearer ".utf8)
                guard token == nil, value.count > scheme.count,
                    value.prefix(scheme.count).map(asciiLowercased) == scheme
                else { return nil }
                let candidate = Array(value.dropFirst(scheme.count))
                guard isBase64Token(candidate) else { return nil }
                token = candidate
            } else if let userKey, key.elementsEqual(userKey) {
                guard user == nil, !value.isEmpty else { return nil }
                user = value
            }
        }
        guard let token, userKey == nil || user != nil else { return nil }
        return (token, user)
    }

    /// RFC 6750's b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    private static func isBase64Token(_ bytes: [UInt8]) -> Bool {
        let body = bytes.prefix { $0 != UInt8(ascii: "=") }
        guard !body.isEmpty, bytes.dropFirst(body.count).allSatisfy({ $0 == UInt8(ascii: "=") }) else { return false }
        return body.allSatisfy { byte in
            isAlphanumeric(byte) || Array("-._~+/".utf8).contains(byte)
        }
    }

    /// RFC 5801's saslname: `=2C` is a comma and `=3D` an equals sign; any other `=` or a bare comma is invalid.
    static func unescapeSASLName(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: ",") { return nil }
            if byte == UInt8(ascii: "=") {
                let escape = Array(bytes[index..<min(index + 3, bytes.endIndex)])
                if escape == Array("=2C".utf8) {
                    output.append(UInt8(ascii: ","))
                } else if escape == Array("=3D".utf8) {
                    output.append(UInt8(ascii: "="))
                } else {
                    return nil
                }
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output.isEmpty ? nil : output
    }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isKeyCharacter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}
