/// Why a bearer token was refused; the raw value goes into the `login failed` log line (`reason=oauth_<value>`).
/// The client hears only RFC 7628's `invalid_token`, whatever the reason.
public enum BearerTokenRefusal: String, Error, Sendable, Equatable {
    /// Not three base64url parts of JSON.
    case malformed
    /// `alg` is `none`, not RS256/ES256/EdDSA, or not the algorithm of the key `kid` names.
    case algorithm
    /// No `kid`, or one the key set does not hold.
    case unknownKey = "unknown_key"
    case badSignature = "bad_signature"
    case expired
    case notYetValid = "not_yet_valid"
    case wrongIssuer = "wrong_issuer"
    case wrongAudience = "wrong_audience"
    /// The configured user claim is missing or not a usable user name.
    case noUser = "no_user"
    /// The claim names no pop3d user.
    case unknownUser = "unknown_user"
    /// The client's authorization identity differs from the token's user.
    case userMismatch = "user_mismatch"
}
