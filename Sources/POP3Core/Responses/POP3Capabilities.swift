/// The CAPA list (RFC 2449) for a session's configuration and state.
enum POP3Capabilities {
    /// `policy` is the logged-in user's own (TRANSACTION); before login the configuration's advertisement counts.
    static func lines(
        for configuration: POP3SessionConfiguration, in state: POP3SessionState, policy: MailboxPolicy? = nil
    ) -> [String] {
        var lines = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if let policy {
            lines += policy.capabilityLines()
        } else {
            let advertised = configuration.policyAdvertisement
            lines += advertised.smallest.capabilityLines(variesPerUser: advertised.variation)
        }
        // RFC 2449 section 5 allows USER and SASL in both states; hide them only where they would be refused.
        if configuration.plaintextAuthPermitted {
            lines += ["USER", (["SASL"] + mechanisms(for: configuration)).joined(separator: " ")]
        }
        if state == .authorization, configuration.stlsOffered {
            lines.append("STLS")
        }
        lines.append("IMPLEMENTATION \(configuration.implementation)")
        return lines
    }

    /// Mechanisms listed for a bare AUTH; none when plain text would be refused.
    static func mechanisms(for configuration: POP3SessionConfiguration) -> [String] {
        guard configuration.plaintextAuthPermitted else { return [] }
        return ["PLAIN"] + (configuration.scramAccepted ? ["SCRAM-SHA-256"] : [])
            + (configuration.bearerTokensAccepted ? ["OAUTHBEARER", "XOAUTH2"] : [])
    }
}
