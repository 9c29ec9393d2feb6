import Glibc
import Storage

/// A user of this machine, from the password database.
struct SystemAccount: Equatable {
    var name: String
    var uid: uid_t
    var gid: gid_t

    /// The account named `name`, or nil when there is none.
    static func named(_ name: String) -> SystemAccount? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &found)
        guard status == 0, found != nil else { return nil }
        return SystemAccount(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }
}

extension SystemAccount {
    /// The account as the owner of files root opens for it.
    var fileOwner: FileOwner { FileOwner(uid: uid, gid: gid) }
}
