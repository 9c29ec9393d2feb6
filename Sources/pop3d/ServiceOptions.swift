import ArgumentParser
import Glibc
import Server

/// How pop3d runs as a service: its configuration file, and whose privileges it serves mail with.
struct ServiceOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "Read settings from FILE: one 'key = value' a line, keys are the long option names without '--'.",
            discussion: "Options on the command line win over the file; the file wins over the defaults.",
            valueName: "file"))
    var configurationFile: String?

    @Flag(
        name: .customLong("print-config"),
        help: "Print the effective settings and where each came from (default, FILE:LINE, command line); exit.")
    var printConfiguration = false

    @Option(
        name: .customLong("user"),
        help: "Started as root: serve as this user (and its groups) once every port is bound.")
    var user: String?

    @Flag(
        name: .customLong("quick-start-credentials"),
        help: ArgumentHelp(
            "A new database gets the seed project's user foo (password bar) and admin token 123456789abcdef1.",
            discussion: """
                For a quick local try only (scripts/run-server.sh passes it). Without it a new database gets no \
                POP3 user and one admin, 'admin', with a random token written to <database>.admin-token (mode 0600).
                """))
    var quickStartCredentials = false

    @Option(
        name: .customLong("reset-admin-token"),
        help: ArgumentHelp(
            "Give monitor admin NAME a new random token (adding NAME if missing), written like a first run's.",
            discussion: """
                For a lost token: start pop3d once with it. The token goes to <database>.admin-token (mode 0600) \
                and the old one stops working. Command line only, never read from a configuration file.
                """,
            valueName: "name"))
    var resetAdminToken: String?

    @Option(
        name: .customLong("backup-directory"),
        help: ArgumentHelp(
            "The folder pop3ctl backup writes into (absolute; the monitor chooses only file names). Off unless given.",
            valueName: "dir"))
    var backupDirectory: String?

    @Flag(
        name: .customLong("allow-root"),
        help: "Serve mail as root. Without it, pop3d started as root refuses to start unless --user is given.")
    var allowRoot = false
}

extension ServiceOptions {
    func validate() throws {
        if let backupDirectory, BackupDirectory(backupDirectory) == nil {
            throw ValidationError("--backup-directory must be an absolute path without . or .. components")
        }
    }

    /// The drop `--user` asks for, or nil when pop3d keeps the privileges it has. Throws when pop3d must not
    /// start: as root without `--user` or `--allow-root`, or with a `--user` that cannot be switched to.
    func privilegeDrop() throws(PrivilegeError) -> PrivilegeDrop? {
        let isRoot = geteuid() == 0
        guard let user else {
            if isRoot && !allowRoot { throw .rootWithoutUser }
            return nil
        }
        guard let account = SystemAccount.named(user) else { throw .unknownUser(user) }
        guard account.uid != 0 else { throw .userIsRoot(user) }
        guard isRoot else {
            if geteuid() == account.uid { return nil }
            throw .notRoot(user: user)
        }
        return PrivilegeDrop(account: account)
    }
}
