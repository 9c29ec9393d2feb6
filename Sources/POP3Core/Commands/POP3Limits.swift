/// Limits on command arguments, kept in one place.
public enum POP3Limits {
    /// Longest user name in octets (a user name becomes a maildrop folder name).
    public static let maxUserNameOctets = 64
    /// Longest keyword in octets; every POP3 keyword has 3 or 4 letters.
    static let maxKeywordOctets = 4
    /// Longest command line processed, without its line end (RFC 2449 asks for at least 255; long passwords).
    public static let maxCommandLineOctets = 1_024
    /// Longest OAUTHBEARER or XOAUTH2 line (the AUTH line with its initial response, or the response after `+ `):
    /// identity providers' JWTs often pass 1 KB, and base64 adds a third.
    public static let maxBearerResponseOctets = 8_192
    /// Longest response line including CRLF (RFC 2449 section 4).
    public static let maxResponseLineOctets = 512
}
