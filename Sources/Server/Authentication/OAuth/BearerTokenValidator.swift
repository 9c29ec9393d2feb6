import Foundation
import JWTKit

/// Checks a bearer token locally: a JWT signed by one of the identity provider's keys (RS256, ES256 or EdDSA),
/// issued by the configured issuer for the configured audience, inside its validity window (with the clock skew),
/// naming a user in the configured claim. jwt-kit checks the signature; the header is checked here first, so a
/// token picks neither its algorithm (`none`, HS256 with the public key as secret) nor a key outside the set.
public struct BearerTokenValidator: Sendable {
    let settings: OAuthSettings
    let keys: JWTKeyCollection
    /// The algorithm each key id may sign with, fixed by the key's type.
    let algorithms: [String: String]

    /// Reads the key set of `settings.jwksPath`; keys of other types (or that the file marks for another algorithm)
    /// are skipped, and a set with none left is an error.
    public static func load(_ settings: OAuthSettings) async throws -> BearerTokenValidator {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: settings.jwksPath))
        } catch {
            throw OAuthSetupError("cannot read the key set \(settings.jwksPath): \(error.localizedDescription)")
        }
        return try await BearerTokenValidator(settings: settings, jwks: data)
    }

    init(settings: OAuthSettings, jwks data: Data) async throws {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let entries = object["keys"] as? [[String: Any]]
        else {
            throw OAuthSetupError("\(settings.jwksPath) is not a JSON Web Key Set (an object with a \"keys\" array)")
        }
        let keys = JWTKeyCollection()
        var algorithms: [String: String] = [:]
        for entry in entries {
            guard let kid = entry["kid"] as? String, !kid.isEmpty, let algorithm = Self.algorithm(for: entry),
                (entry["use"] as? String).map({ $0 == "sig" }) ?? true
            else { continue }
            do {
                let jwk = try JSONDecoder().decode(JWK.self, from: JSONSerialization.data(withJSONObject: entry))
                try await keys.add(jwk: jwk)
            } catch {
                throw OAuthSetupError("key \(kid) of \(settings.jwksPath) is unusable: \(error)")
            }
            algorithms[kid] = algorithm
        }
        guard !algorithms.isEmpty else {
            throw OAuthSetupError("\(settings.jwksPath) holds no RSA, P-256 or Ed25519 signing key with a \"kid\"")
        }
        self.settings = settings
        self.keys = keys
        self.algorithms = algorithms
    }

    /// The key ids of the set, for the start-up log.
    public var keyIDs: [String] { algorithms.keys.sorted() }

    /// The pop3d user the token names, or why it is refused.
    func user(for token: [UInt8], now: Date = Date()) async -> Result<String, BearerTokenRefusal> {
        let parts = token.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard token.count <= 16_384, parts.count == 3, let header = Self.jsonObject(parts[0]),
            let claims = Self.jsonObject(parts[1])
        else { return .failure(.malformed) }
        guard let alg = header["alg"] as? String, ["RS256", "ES256", "EdDSA"].contains(alg) else {
            return .failure(.algorithm)
        }
        guard let kid = header["kid"] as? String, let expected = algorithms[kid] else {
            return .failure(.unknownKey)
        }
        guard alg == expected else { return .failure(.algorithm) }
        do {
            _ = try await keys.verify(token, as: SignedPayload.self)
        } catch {
            return .failure(.badSignature)
        }
        return check(claims, now: now)
    }

    /// The registered claims (RFC 7519 section 4.1), then the user claim.
    func check(_ claims: [String: Any], now: Date) -> Result<String, BearerTokenRefusal> {
        guard claims["iss"] as? String == settings.issuer else { return .failure(.wrongIssuer) }
        let audiences =
            (claims["aud"] as? [Any])?.compactMap { $0 as? String } ?? [claims["aud"] as? String].compactMap { $0 }
        guard audiences.contains(settings.audience) else { return .failure(.wrongAudience) }
        let skew = Double(settings.clockSkew.components.seconds)
        let current = now.timeIntervalSince1970
        // A token without an expiry would be good for ever: refused.
        guard let expiry = (claims["exp"] as? NSNumber)?.doubleValue, current < expiry + skew else {
            return .failure(.expired)
        }
        if let notBefore = claims["nbf"] {
            guard let start = (notBefore as? NSNumber)?.doubleValue, current + skew >= start else {
                return .failure(.notYetValid)
            }
        }
        guard let name = claims[settings.userClaim] as? String, !name.isEmpty, name.utf8.count <= 255,
            !name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else { return .failure(.noUser) }
        return .success(name)
    }

    /// RS256 for RSA keys, ES256 for P-256 keys, EdDSA for Ed25519 keys; nil for any other key, or one whose own
    /// `alg` says otherwise.
    static func algorithm(for entry: [String: Any]) -> String? {
        let algorithm: String
        switch (entry["kty"] as? String, entry["crv"] as? String) {
        case ("RSA", _): algorithm = "RS256"
        case ("EC", "P-256"): algorithm = "ES256"
        case ("OKP", "Ed25519"): algorithm = "EdDSA"
        default: return nil
        }
        if let declared = entry["alg"] as? String, declared != algorithm { return nil }
        return algorithm
    }

    /// A base64url (unpadded) part of the token, decoded as a JSON object.
    static func jsonObject(_ part: ArraySlice<UInt8>) -> [String: Any]? {
        guard !part.isEmpty, part.count <= 16_384 else { return nil }
        var text = String(decoding: part, as: UTF8.self)
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !text.contains("=") else { return nil }
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let data = Data(base64Encoded: text) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}

/// jwt-kit checks only the signature with this; the claims are checked by `BearerTokenValidator.check`, whose
/// clock skew and user claim are configurable.
struct SignedPayload: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The OAuth settings cannot be used; pop3d does not start.
public struct OAuthSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
