import ArgumentParser
import Foundation
import MonitorProtocol

/// `pop3ctl backup FILE`: the server writes a consistent copy of its live database to FILE, in its backup folder.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Have the server write a consistent copy of its live database to a new file.",
        discussion: """
            The server itself writes FILE (mode 0600), and only inside the folder it was started with \
            (--backup-directory; without it, backups are off). FILE is a plain file name, put in that folder, or a \
            path whose folder is that one (a relative path is taken from pop3ctl's working directory). FILE must \
            not exist. Restore: stop pop3d, copy the backup over the database, remove the database's -wal and -shm \
            files, start pop3d.
            """)

    @Argument(help: "The new backup file: a name in the server's backup folder, or a path in that folder.")
    var file: String

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard !file.isEmpty else { throw ValidationError("FILE must not be empty") }
    }

    func run() async throws {
        // A plain name is the server's to place; a path is pop3ctl's, so it is made absolute here.
        let path = file.contains("/") ? Self.absolute(file, in: FileManager.default.currentDirectoryPath) : file
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
