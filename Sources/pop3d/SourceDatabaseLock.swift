import Glibc

/// Keeps pop3d off a SQLite database while `pop3d migrate` copies it: the copy takes the lock every serving pop3d
/// holds (`ServingLock`, on `<database>.lock`), so it refuses a database a pop3d serves, and a pop3d started during
/// the copy refuses to start. The lock file is opened read-only and never created: without one, no pop3d has served
/// the file, and the copy must not leave a file owned by the wrong account beside the database.
final class SourceDatabaseLock {
    private let descriptor: Int32?

    init(databasePath: String) throws(MigrationFailure) {
        let path = databasePath + ".lock"
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT {
                self.descriptor = nil
                return
            }
            throw .cannotLockSource(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.recordedProcess(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw .sourceInUse(path: databasePath, pid: holder) }
            throw .cannotLockSource(path: path, reason: String(cString: strerror(code)))
        }
        self.descriptor = descriptor
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    /// The PID the serving pop3d wrote into the lock file, if it can be read.
    private static func recordedProcess(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).filter(\.isNumber))
    }
}
