import Glibc
import Synchronization

/// Closed until pop3d has dropped root: a login that arrives earlier waits here (on a hashing thread, never an
/// event loop), so no maildrop is ever opened as root.
final class LoginGate: Sendable {
    private let isOpen: Atomic<Bool>

    init(open: Bool) {
        isOpen = Atomic(open)
    }

    func open() {
        isOpen.store(true, ordering: .releasing)
    }

    /// Blocks until the gate opens; throws after `timeout` seconds (the login then gets `-ERR [SYS/TEMP]`).
    func waitUntilOpen(timeout: Double = 10) throws {
        var waited = 0.0
        while !isOpen.load(ordering: .acquiring) {
            guard waited < timeout else { throw LoginGateClosed() }
            usleep(5_000)
            waited += 0.005
        }
    }
}

/// A login arrived before pop3d dropped root, and the drop did not happen in time.
struct LoginGateClosed: Error, CustomStringConvertible {
    var description: String { "logins wait until pop3d has dropped root privileges" }
}
