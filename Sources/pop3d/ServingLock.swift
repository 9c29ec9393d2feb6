import Foundation
import Glibc
import Storage

/// One serving pop3d per database. A second one would discard the first one's pending DELE marks and replay its
/// QUIT rows at start-up (the first session's QUIT would then say "deleted" and delete nothing), so every pop3d
/// takes an exclusive lock on `<database>.lock` before it opens the database, and keeps it until it exits. The
/// file holds the holder's PID for the error message. The kernel drops the lock of a killed process.
final class ServingLock {
    let path: String
    private let descriptor: Int32

    /// Takes the lock, or throws when another process holds it. With `owner` (pop3d drops root for that account),
    /// the file is handed to the account through its descriptor; the final path component is never followed.
    init(databasePath: String, owner: SystemAccount?) throws(ServingLockError) {
        path = databasePath + ".lock"
        let descriptor: Int32
        if owner == nil {
            descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        } else {
            // Root, in a folder the service account may control: no link is followed on the way.
            do {
                descriptor = try FileOwner.openFollowingNoLink(path, flags: O_RDWR | O_CREAT)
            } catch {
                guard case .cannotOpen(_, let reason) = error else { throw .cannotOpen(path: path, reason: "\(error)") }
                throw .cannotOpen(path: path, reason: reason)
            }
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.recordedProcess(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw .held(path: path, pid: holder) }
            throw .cannotOpen(path: path, reason: String(cString: strerror(code)))
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        if let owner { _ = fchown(descriptor, owner.uid, owner.gid) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The PID the holder wrote, if it could be read.
    private static func recordedProcess(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

enum ServingLockError: Error, CustomStringConvertible {
    case held(path: String, pid: Int32?)
    case cannotOpen(path: String, reason: String)

    var description: String {
        switch self {
        case .held(let path, let pid):
            let holder = pid.map { "pop3d process \($0)" } ?? "another pop3d"
            return "the database is in use by \(holder) (lock \(path)); one pop3d serves one database"
        case .cannotOpen(let path, let reason):
            return "cannot take the database lock \(path): \(reason)"
        }
    }
}
