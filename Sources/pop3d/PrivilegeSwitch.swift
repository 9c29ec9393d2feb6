import ArgumentParser
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// `--user`: drops root once every listener has bound its sockets, then lets logins through.
/// Without a drop to do it is inert: the gate starts open and the listeners' callbacks do nothing.
final class PrivilegeSwitch: Service {
    private let drop: PrivilegeDrop?
    private let logger: Logger
    private let gate: LoginGate
    private let expected = Atomic<Int>(0)
    private let ready: AsyncStream<Void>
    private let readyContinuation: AsyncStream<Void>.Continuation

    init(drop: PrivilegeDrop?, logger: Logger) {
        self.drop = drop
        self.logger = logger
        gate = LoginGate(open: drop == nil)
        (ready, readyContinuation) = AsyncStream<Void>.makeStream()
    }

    /// The switch `options` ask for; logs why and exits when pop3d must not start with its privileges.
    static func make(_ options: ServiceOptions, databasePath: String, logger: Logger) throws -> PrivilegeSwitch {
        do {
            return PrivilegeSwitch(drop: try options.privilegeDrop(databasePath: databasePath), logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
    }

    /// The account pop3d switches to, when it drops root.
    var serviceAccount: SystemAccount? { drop?.account }

    /// Registers one listener; it calls the returned closure once all its sockets are bound.
    func expectListener() -> @Sendable () -> Void {
        guard drop != nil else { return {} }
        expected.add(1, ordering: .relaxed)
        let continuation = readyContinuation
        return { continuation.yield() }
    }

    /// `expectListener()` for a listener that reports its one bound address.
    func expectBinding<Address>() -> @Sendable (Address) -> Void {
        let ready = expectListener()
        return { _ in ready() }
    }

    /// `stores` with every password check waiting until the drop is done.
    func gated(_ stores: Stores) -> Stores {
        guard drop != nil else { return stores }
        var stores = stores
        stores.users = GatedUserStore(store: stores.users, gate: gate)
        return stores
    }

    func run() async throws {
        if let drop {
            var remaining = expected.load(ordering: .relaxed)
            if remaining > 0 {
                for await _ in ready {
                    remaining -= 1
                    if remaining == 0 { break }
                }
            }
            // Cancelled before every listener was ready: the group is stopping anyway.
            guard remaining == 0 else { return }
            try drop.perform()
            gate.open()
            logger.notice(
                "privileges dropped",
                metadata: ["user": "\(drop.account.name)", "uid": "\(drop.account.uid)", "gid": "\(drop.account.gid)"])
        }
        try? await gracefulShutdown()
    }
}
