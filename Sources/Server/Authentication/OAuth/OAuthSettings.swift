/// How bearer tokens (OAUTHBEARER, XOAUTH2) are checked: whose keys, which issuer and audience, which claim names
/// the pop3d user, and how far the clocks may disagree.
public struct OAuthSettings: Sendable, Equatable {
    /// A JSON Web Key Set (RFC 7517) file: the identity provider's public signing keys.
    public var jwksPath: String
    /// The token's `iss` must equal this.
    public var issuer: String
    /// The token's `aud` must be or contain this.
    public var audience: String
    /// The claim whose value is the pop3d user name (for example `preferred_username` or `email`).
    public var userClaim: String
    /// Allowed disagreement between our clock and the provider's, for `exp` and `nbf`.
    public var clockSkew: Duration

    public init(jwksPath: String, issuer: String, audience: String, userClaim: String, clockSkew: Duration) {
        self.jwksPath = jwksPath
        self.issuer = issuer
        self.audience = audience
        self.userClaim = userClaim
        self.clockSkew = clockSkew
    }
}
