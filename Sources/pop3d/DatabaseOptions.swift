import ArgumentParser
import Foundation
import Glibc
import PostgresStorage
import Storage

/// Settings for a database on a PostgreSQL server (`--database postgresql://…`); SQLite uses none of them.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-password-file"),
        help: ArgumentHelp(
            "A file holding the PostgreSQL password (its first line). Default: the PGPASSWORD variable, else none.",
            discussion: "Never in the URL: a command line is visible to every local user.", valueName: "file"))
    var passwordFile: String?

    @Option(
        name: .customLong("node-name"),
        help: ArgumentHelp(
            "This server's name in PostgreSQL rows it writes about itself (journal, sessions, logins, metrics), in "
                + "the node label of /metrics and in pop3ctl stats --cluster (also with SQLite). Default: the host "
                + "name. Two running servers on one database need different names.",
            valueName: "name"))
    var nodeName: String?

    @Option(
        name: .customLong("database-connections"),
        help: "PostgreSQL connections the server opens at most (besides one it keeps for its node lock).")
    var connections: Int = 8

    @Option(
        name: .customLong("database-timeout"),
        help: "Seconds a PostgreSQL request may take; longer fails it as temporary (POP3 [SYS/TEMP]).")
    var timeout: Double = 10

    @Option(
        name: .customLong("message-index-cache"),
        help: ArgumentHelp(
            "With PostgreSQL: a local SQLite file for the message size index, or 'database' for a table in "
                + "PostgreSQL. Default: pop3d-<database>.message-index.sqlite in the working directory.",
            discussion: "A login reads the whole index of its maildrop; from a local file that costs the database "
                + "server nothing and no round trip (documentation/performance.md compares both). Each node keeps "
                + "its own file, beside the database's admin token file.",
            valueName: "file|database"))
    var messageIndexCache: String?

    func validate() throws {
        guard (1...1_000).contains(connections) else {
            throw ValidationError("--database-connections must be 1...1000")
        }
        guard timeout > 0, timeout <= 3_600 else {
            throw ValidationError("--database-timeout must be above 0, at most 3600")
        }
        if let nodeName { try Self.validateNodeName(nodeName) }
    }

    /// The node name: `--node-name`, else the host name.
    var node: String { nodeName ?? Self.hostName() }

    /// The PostgreSQL password (see `password(file:followingLinks:)`).
    func password(followingLinks: Bool) throws -> String? {
        try Self.password(file: passwordFile, followingLinks: followingLinks)
    }

    /// The default node name: the host name ("pop3d" when it has none).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "pop3d" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map(UInt8.init(bitPattern:)), as: UTF8.self)
        return name.isEmpty ? "pop3d" : name
    }

    /// The PostgreSQL password: the first line of `file`, else PGPASSWORD, else nil. Root about to drop privileges
    /// (`followingLinks` false) opens the file without following a symbolic link anywhere in its path: the service
    /// account must not be able to point it at another file, whose first line would go to the database server.
    static func password(file: String?, followingLinks: Bool = true) throws -> String? {
        guard let file else { return ProcessInfo.processInfo.environment["PGPASSWORD"] }
        let descriptor: Int32
        do {
            if followingLinks {
                descriptor = open(file, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    throw StorageError.cannotOpen(path: file, reason: String(cString: strerror(errno)))
                }
            } else {
                descriptor = try FileOwner.openFollowingNoLink(file, flags: O_RDONLY)
            }
        } catch {
            var reason = "\(error)"
            if case .cannotOpen(_, let why) = error as? StorageError { reason = why }
            throw ValidationError("cannot read --database-password-file \(file): \(reason)")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // A password file is one short line; a bounded read keeps a wrong path (a device, say) harmless.
        let data = (try? handle.read(upToCount: 4_096)) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// `--node-name`'s rule: 1 to 64 characters, no line breaks.
    static func validateNodeName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 64, !name.contains(where: \.isNewline) else {
            throw ValidationError("--node-name has 1 to 64 characters, no line breaks")
        }
    }
}

/// Which backend `--database` names.
enum DatabaseTarget {
    case sqlite(path: String)
    case postgresql(PostgresLocation)

    /// `postgresql://…` or `postgres://…` is PostgreSQL; `sqlite:PATH` or a plain path is a SQLite file.
    init(_ text: String) throws {
        if PostgresLocation.isURL(text) {
            self = .postgresql(try PostgresLocation(url: text))
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ValidationError("sqlite: needs a file path, e.g. sqlite:./pop3d.sqlite") }
            self = .sqlite(path: path)
        } else {
            guard !text.isEmpty else { throw ValidationError("--database needs a file path or a postgresql:// URL") }
            self = .sqlite(path: text)
        }
    }
}
