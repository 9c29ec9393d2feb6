/// The SASL mechanisms that carry an OAuth 2.0 bearer token.
public enum BearerMechanism: String, Equatable, Sendable {
    /// RFC 7628.
    case oauthBearer = "OAUTHBEARER"
    /// Google's older format, which Thunderbird and Outlook still use.
    case xoauth2 = "XOAUTH2"

    func decode(_ response: [UInt8]) -> Result<SASLBearerResponse, SASLBearerResponse.Problem> {
        switch self {
        case .oauthBearer: SASLBearerResponse.decodeOAuthBearer(response)
        case .xoauth2: SASLBearerResponse.decodeXOAuth2(response)
        }
    }

    /// RFC 7628 section 3.2.2's error challenge, base64-encoded: the client answers it (`AQ==`) before it hears the
    /// `-ERR`. XOAUTH2 clients answer Google's equivalent with an empty line.
    static let errorChallenge = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciJ9"
}
