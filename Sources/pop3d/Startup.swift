import Glibc
import Logging
import Maildir
import Server
import Storage

/// What pop3d does once before serving: finish interrupted deletions and warn about risky defaults.
enum Startup {
    /// Finishes the deletions a QUIT had begun and drops other sessions' DELE marks. It runs after root is
    /// dropped: the maildir paths it follows are the service account's to change.
    static func recoverJournal(_ journal: any DeletionJournal, maildir: MaildirStore, logger: Logger) async throws {
        // Removes files on this (start-up) task's thread: nothing is served yet.
        let report = try await journal.recover { entry in
            guard let user = MailboxName(entry.user) else { return }
            try maildir.removeMessage(user: user, baseName: entry.baseName, fileName: entry.fileName)
        }
        if report.discardedPending + report.finished + report.failed > 0 {
            logger.notice(
                "deletion journal recovered",
                metadata: [
                    "kept_pending": "\(report.discardedPending)", "finished": "\(report.finished)",
                    "failed": "\(report.failed)",
                ])
        }
    }

    static func warnAboutDefaultCredentials(_ storage: any StorageBackend, logger: Logger) async throws {
        let defaults = try await storage.defaultCredentialsInUse()
        if defaults.user {
            logger.warning("user foo still has the default password bar: change it (pop3ctl users passwd foo)")
        }
        if defaults.token {
            logger.warning("the default monitor token is still valid: add your own and delete admin 'admin'")
        }
    }

    /// Raises the soft open-file limit to the hard one: every session needs a descriptor, and a shell's usual
    /// soft limit of 1,024 would cap pop3d near a thousand sessions while the hard limit allows far more.
    static func raiseOpenFileLimit(logger: Logger) {
        var limit = rlimit()
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let before = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(resource, &limit) == 0 {
            logger.info("open-file limit raised", metadata: ["from": "\(before)", "to": "\(limit.rlim_max)"])
        } else {
            logger.warning(
                "cannot raise the open-file limit", metadata: ["limit": "\(before)", "error": "errno \(errno)"])
        }
    }

    /// A server without TLS that listens beyond loopback sends passwords in clear: say so at every start.
    static func warnAboutExposure(configuration: ServerConfiguration, tls: TLSCredentials?, logger: Logger) {
        let exposed = configuration.listenAddresses.filter { !AddressRange.loopback.contains(address: $0) }
        if tls == nil, !exposed.isEmpty {
            logger.warning(
                "POP3 listens beyond loopback without TLS: passwords cross the network in clear (use --tls-cert)",
                metadata: ["addresses": "\(exposed.joined(separator: ", "))"])
        }
    }
}
