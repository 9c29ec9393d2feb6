import ArgumentParser
import Foundation
import Logging
import PostgresStorage
import Storage

/// `pop3d migrate --from sqlite:PATH --to postgresql://…`: moves a SQLite installation's state into PostgreSQL.
/// A command of its own (pop3d's `main` hands it the arguments after `migrate`), so pop3d's options and its
/// configuration file play no part.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pop3d migrate",
        abstract: "Copy a SQLite database's users, tokens, settings and history into PostgreSQL.",
        discussion: """
            Copies users (password hashes exactly as stored, so every password keeps working), monitor tokens, \
            settings, login attempts, finished sessions, their daily totals, metric samples and the deletion \
            journal's done rows, all in one PostgreSQL transaction: everything or nothing. The message index, a \
            cache, is not copied; each user's first login fills it again. Rows that name a node (sessions, login \
            attempts, metric samples, the journal) get --node-name: give it the name of the pop3d that will serve \
            the database, so it resumes its metric totals.
            Stop pop3d first. The copy refuses a database a pop3d serves, a journal with pending or committing \
            rows (start pop3d on the SQLite database once so it recovers them), and a target that already holds \
            users, tokens, settings or history, unless --replace-target.
            Prints each table's count in the source and in the target; exits 0 when they match, 2 on any error \
            (64 for a command line it cannot parse).
            """)

    @Option(
        name: .long,
        help: ArgumentHelp("The SQLite database: PATH or sqlite:PATH, opened read-only.", valueName: "path"))
    var from: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "postgresql://USER@HOST:PORT/DATABASE (sslmode, sslrootcert and host as for pop3d --database); pop3d's "
                + "schema is created when it has none.",
            valueName: "url"))
    var to: String

    @Option(
        name: .customLong("database-password-file"),
        help: ArgumentHelp(
            "A file holding the PostgreSQL password (its first line). Default: the PGPASSWORD variable, else none.",
            valueName: "file"))
    var passwordFile: String?

    @Option(
        name: .customLong("node-name"),
        help: ArgumentHelp(
            "The node name copied rows that carry one get (journal, sessions, logins, metrics). Default: the host "
                + "name.", valueName: "name"))
    var nodeName: String?

    @Flag(
        name: .customLong("replace-target"),
        help: ArgumentHelp(
            "Empty pop3d's tables in the target first (in the copy's transaction) instead of refusing a target "
                + "that holds data."))
    var replaceTarget = false

    func validate() throws {
        guard case .sqlite = try source() else {
            throw ValidationError("--from must name a SQLite database (PATH or sqlite:PATH); --to names PostgreSQL")
        }
        guard case .postgresql = try target() else {
            throw ValidationError("--to must be a postgresql://USER@HOST:PORT/DATABASE URL")
        }
        if let nodeName { try DatabaseOptions.validateNodeName(nodeName) }
    }

    func run() async throws {
        var logger = Logger(label: "pop3d-migrate")
        logger.logLevel = .error
        do {
            guard case .sqlite(let path) = try source(), case .postgresql(let location) = try target() else {
                throw ValidationError("--from names a SQLite database and --to a PostgreSQL one")
            }
            let options = PostgresStorage.Options(
                password: try DatabaseOptions.password(file: passwordFile), node: nodeName ?? DatabaseOptions.hostName()
            )
            let outcome = try await StateMigration(
                sourcePath: path, target: location, options: options, replaceTarget: replaceTarget, logger: logger
            ).run()
            print(outcome.counts.rendered())
            let seconds = outcome.duration / .seconds(1)
            print(
                "copied \(outcome.counts.totalRows) rows from \(path) to \(location) as node '\(outcome.node)' in "
                    + String(format: "%.1f s", seconds) + "; message_index not copied (a cache)")
        } catch let failure as MigrationFailure {
            if case .countsDiffer(let counts) = failure { print(counts.rendered()) }
            throw Self.failed(failure)
        } catch {
            throw Self.failed(error)
        }
    }

    /// Says why on standard error; exit status 2.
    private static func failed(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("pop3d migrate: \(error)\n".utf8))
        return ExitCode(2)
    }

    private func source() throws -> DatabaseTarget { try Self.parse(from, option: "--from") }
    private func target() throws -> DatabaseTarget { try Self.parse(to, option: "--to") }

    private static func parse(_ text: String, option: String) throws -> DatabaseTarget {
        do {
            return try DatabaseTarget(text)
        } catch let error as StorageError {
            throw ValidationError("\(option): \(error)")
        }
    }
}
