import ArgumentParser
import Glibc

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
        name: .customLong("allow-root"),
        help: "Serve mail as root. Without it, pop3d started as root refuses to start unless --user is given.")
    var allowRoot = false
}

extension ServiceOptions {
    /// The drop `--user` asks for, or nil when pop3d keeps the privileges it has. Throws when pop3d must not
    /// start: as root without `--user` or `--allow-root`, or with a `--user` that cannot be switched to.
    func privilegeDrop(databasePath: String) throws(PrivilegeError) -> PrivilegeDrop? {
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
        return PrivilegeDrop(account: account, databasePath: databasePath)
    }
}
