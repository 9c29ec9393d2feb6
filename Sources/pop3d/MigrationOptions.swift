import ArgumentParser
import Maildir
import Server

/// Settings for a server that takes over maildrops from another POP3 server.
struct MigrationOptions: ParsableArguments {
    @Option(
        name: .customLong("uidl-source"),
        help: """
            pop3d (default): UIDLs from message file names. dovecot: messages listed in a maildrop's dovecot-uidlist \
            keep the UIDL Dovecot gave them (%08Xu%08Xv), so clients do not download them again.
            """,
        transform: { text in
            guard let source = UIDLSource(rawValue: text) else {
                throw ValidationError("--uidl-source must be pop3d or dovecot")
            }
            return source
        })
    var uidlSource: UIDLSource = .pop3d

    func apply(to configuration: inout ServerConfiguration) {
        configuration.uidlSource = uidlSource
    }
}
