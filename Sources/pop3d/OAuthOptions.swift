import ArgumentParser
import Server

/// OAUTHBEARER and XOAUTH2: the identity provider's keys and what its tokens must say.
struct OAuthOptions: ParsableArguments {
    @Option(
        name: .customLong("oauth-jwks-file"),
        help: ArgumentHelp(
            "JSON Web Key Set of the identity provider's signing keys; with --oauth-issuer and --oauth-audience, "
                + "SASL OAUTHBEARER and XOAUTH2 are offered (off unless given).",
            discussion: """
                Tokens are JWTs checked locally: signed with RS256, ES256 or EdDSA by a key of the set named by the \
                token's kid (alg none, HMAC and any algorithm other than the key's are refused), issued by \
                --oauth-issuer for --oauth-audience, not expired and already valid (with --oauth-clock-skew). The \
                value of --oauth-user-claim names the pop3d user, who must exist. Save the provider's JWKS (for \
                Keycloak: https://HOST/realms/REALM/protocol/openid-connect/certs) into this file and restart when \
                it rotates its keys. See documentation/authentication.md.
                """, valueName: "path"))
    var jwksFile: String?

    @Option(name: .customLong("oauth-issuer"), help: "The `iss` every token must carry (the provider's issuer URL).")
    var issuer: String?

    @Option(name: .customLong("oauth-audience"), help: "A value the token's `aud` must hold (the client id).")
    var audience: String?

    @Option(
        name: .customLong("oauth-user-claim"),
        help: "The token claim whose value is the pop3d user name (e.g. preferred_username or email).")
    var userClaim = "preferred_username"

    @Option(
        name: .customLong("oauth-clock-skew"),
        help: "Seconds the clocks of pop3d and the identity provider may disagree by, for exp and nbf (0...300).")
    var clockSkew: Double = 60

    func validate() throws {
        let given = [jwksFile, issuer, audience].compactMap { $0 }
        guard given.isEmpty || given.count == 3 else {
            throw ValidationError("--oauth-jwks-file, --oauth-issuer and --oauth-audience go together")
        }
        guard given.allSatisfy({ !$0.isEmpty }), !userClaim.isEmpty else {
            throw ValidationError("the --oauth-* values must not be empty")
        }
        guard (0...300).contains(clockSkew) else { throw ValidationError("--oauth-clock-skew must be 0...300") }
    }

    /// The settings, when OAuth is configured.
    var settings: OAuthSettings? {
        guard let jwksFile, let issuer, let audience else { return nil }
        return OAuthSettings(
            jwksPath: jwksFile, issuer: issuer, audience: audience, userClaim: userClaim,
            clockSkew: .milliseconds(Int(clockSkew * 1_000)))
    }
}
