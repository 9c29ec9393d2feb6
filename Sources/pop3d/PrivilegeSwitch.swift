import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// The last step of start-up, as a service: once every listener has bound its sockets it drops root (with
/// `--user`), then does the work that touches files the service account controls (`beforeServing`: the journal
/// recovery), and only then opens the gate to logins and the monitor. Without a drop to do it runs that work at
/// once.
final class PrivilegeSwitch: Service {
    private let drop: PrivilegeDrop?
    private let logger: Logger
    private let gate = StartupGate()
    private let beforeServing: @Sendable () async throws -> Void
    private let expected = Atomic<Int>(0)
    private let ready: AsyncStream<Void>
    private let readyContinuation: AsyncStream<Void>.Continuation

    init(drop: PrivilegeDrop?, logger: Logger, beforeServing: @escaping @Sendable () async throws -> Void) {
        self.drop = drop
        self.logger = logger
        self.beforeServing = beforeServing
        (ready, readyContinuation) = AsyncStream<Void>.makeStream()
    }

    /// Registers one listener that must be bound before root is dropped; it calls the returned closure once all
    /// its sockets are bound.
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

    /// `stores` with every password check waiting until pop3d serves.
    func gated(_ stores: Stores) -> Stores {
        var stores = stores
        stores.users = GatedUserStore(store: stores.users, gate: gate)
        return stores
    }

    /// Returns once pop3d serves (root dropped, journal recovered); throws when the group stops first. For
    /// services that must not start before: the monitor, whose requests change files and the database.
    @Sendable func waitUntilServing() async throws {
        try await cancelWhenGracefulShutdown { [gate] in try await gate.waitUntilOpen(timeout: nil) }
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
            logger.notice(
                "privileges dropped",
                metadata: ["user": "\(drop.account.name)", "uid": "\(drop.account.uid)", "gid": "\(drop.account.gid)"])
        }
        try await beforeServing()
        gate.open()
        logger.info("serving")
        try? await gracefulShutdown()
    }
}
