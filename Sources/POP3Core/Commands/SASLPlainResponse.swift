/// A decoded SASL PLAIN response (RFC 4616): `authzid NUL authcid NUL passwd`, base64-encoded.
struct SASLPlainResponse: Equatable, Sendable {
    let user: String
    let password: [UInt8]

    /// Why a response was refused.
    enum Problem: Error, Equatable {
        case malformed
        case authorizationIdentityRefused
    }

    /// Decodes the base64 text of a client response; `=` is an empty response (RFC 5034).
    static func decode(_ text: some Collection<UInt8>) -> Result<SASLPlainResponse, Problem> {
        let encoded = Array(text)
        let decoded = encoded == [UInt8(ascii: "=")] ? [] : StrictBase64.decode(encoded)
        guard let decoded else { return .failure(.malformed) }
        let parts = decoded.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].contains(0), let user = POP3CommandParser.userName(parts[1]) else {
            return .failure(.malformed)
        }
        // Acting for another user is not supported: a non-empty authzid must name the same user.
        guard parts[0].isEmpty || parts[0].elementsEqual(parts[1]) else {
            return .failure(.authorizationIdentityRefused)
        }
        return .success(SASLPlainResponse(user: user, password: Array(parts[2])))
    }
}
