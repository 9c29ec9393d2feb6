import ArgumentParser
import Foundation
import MonitorProtocol

/// `pop3ctl backup FILE`: the server writes a consistent copy of its live database to FILE.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Have the server write a consistent copy of its live database to a new file.",
        discussion: """
            The server itself writes FILE (mode 0600), so FILE is a path on the server's machine that the \
            server's user may create (under systemd: inside its ReadWritePaths, e.g. /var/lib/pop3d/). A relative \
            FILE is taken from pop3ctl's working directory. FILE must not exist. Restore: stop pop3d, copy the \
            backup over the database, remove the database's -wal and -shm files, start pop3d.
            """)

    @Argument(help: "The new backup file.")
    var file: String

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard !file.isEmpty else { throw ValidationError("FILE must not be empty") }
    }

    func run() async throws {
        let path = Self.absolute(file, in: FileManager.default.currentDirectoryPath)
        _ = try await MonitorCall.run(connection) {
            try await $0.perform(.backup(path: path), action: "backup to \(path)")
        }
        Console.out("backed up to \(path)")
    }

    /// `path` made absolute against `directory`, with `.` and `..` resolved.
    static func absolute(_ path: String, in directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}
