import Glibc

/// Gives up root for good: hands the database files to the account, then switches groups and user ids.
/// glibc applies setgroups, setgid and setuid to every thread of the process.
struct PrivilegeDrop {
    let account: SystemAccount
    let databasePath: String

    func perform() throws(PrivilegeError) {
        // The open database stays usable through its descriptors, but SQLite reopens -wal and -shm by name.
        for path in [databasePath, databasePath + "-wal", databasePath + "-shm"] {
            if chown(path, account.uid, account.gid) != 0, errno != ENOENT {
                throw .dropFailed(step: "chown \(path)", reason: Self.lastError())
            }
        }
        guard initgroups(account.name, account.gid) == 0 else {
            throw .dropFailed(step: "initgroups", reason: Self.lastError())
        }
        guard setgid(account.gid) == 0 else { throw .dropFailed(step: "setgid", reason: Self.lastError()) }
        guard setuid(account.uid) == 0 else { throw .dropFailed(step: "setuid", reason: Self.lastError()) }
        // setuid from root sets the real, effective and saved ids; prove that root cannot be regained.
        guard getuid() == account.uid, geteuid() == account.uid, getegid() == account.gid, setuid(0) != 0 else {
            throw .dropFailed(step: "check", reason: "the process could still become root again")
        }
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
