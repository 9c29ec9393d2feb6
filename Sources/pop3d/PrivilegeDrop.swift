import Glibc

/// Gives up root for good: switches groups and user ids. glibc applies setgroups, setgid and setuid to every thread
/// of the process. The files pop3d keeps (database, lock, token file) were handed to the account through their
/// descriptors when they were opened; nothing is changed by name here.
struct PrivilegeDrop {
    let account: SystemAccount

    func perform() throws(PrivilegeError) {
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
