import Foundation
import Glibc
import Logging
import Storage

/// An admin token pop3d made (a new database's first admin, or `--reset-admin-token`), shown to the operator
/// once: written to `<database>.admin-token` (`pop3d-<database name>.admin-token` for PostgreSQL) (mode 0600, created exclusively and never through a symbolic link,
/// handed to the service account by descriptor), and printed on the terminal when pop3d runs on one. The database
/// keeps only its hash.
struct AdminTokenFile {
    let admin: String
    let token: String
    /// The file is `<basePath>.admin-token`: beside a SQLite database, in the working folder for PostgreSQL.
    let basePath: String
    /// What the log says happened, e.g. "new database: monitor admin created with a random token".
    let event: String

    var filePath: String { basePath + ".admin-token" }

    /// Writes the file and tells the operator where it is; a file that cannot be written is replaced by the log,
    /// so the only key to the monitor is never lost.
    func hand(to owner: FileOwner?, logger: Logger) {
        do {
            try writeFile(owner: owner)
            logger.notice(
                "\(event); read it, then delete the file", metadata: ["admin": "\(admin)", "token_file": "\(filePath)"])
            if isatty(STDERR_FILENO) == 1 {
                FileHandle.standardError.write(Data("pop3d: monitor token of admin '\(admin)': \(token)\n".utf8))
            }
        } catch {
            logger.critical(
                "\(event), but the token file cannot be written (\(error)); the token of admin '\(admin)' is \(token)")
        }
    }

    private func writeFile(owner: FileOwner?) throws {
        // A file left by an earlier database holds a token that no longer works; unlink never follows a link.
        if unlink(filePath) != 0, errno != ENOENT { throw POSIXError(errno: errno) }
        let descriptor = try FileOwner.openFollowingNoLink(filePath, flags: O_WRONLY | O_CREAT | O_EXCL)
        defer { close(descriptor) }
        if let owner, fchown(descriptor, owner.uid, owner.gid) != 0 { throw POSIXError(errno: errno) }
        let text = Array("\(token)\n".utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count else { throw POSIXError(errno: errno) }
    }
}

extension POSIXError {
    fileprivate init(errno code: Int32) {
        self.init(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
}
