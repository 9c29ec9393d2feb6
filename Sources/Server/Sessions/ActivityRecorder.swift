import Foundation
public import Logging
public import ServiceLifecycle
public import Storage
import Synchronization

/// Collects finished sessions and login attempts in memory; `flush` writes them in one transaction each,
/// so a busy server does not pay one SQLite commit per login.
public final class ActivityRecorder: Service {
    private let pending = Mutex<(sessions: [SessionRecord], events: [AuthEvent])>(([], []))
    private let sessionLog: any SessionLog
    private let authEvents: any AuthEventLog
    /// Beyond this many waiting rows new ones are dropped (and counted) rather than growing without bound.
    private let capacity = 100_000

    private let interval: Duration
    private let logger: Logger

    /// Writes what was recorded every `interval`, and once more at graceful shutdown.
    public init(sessionLog: any SessionLog, authEvents: any AuthEventLog, interval: Duration, logger: Logger) {
        self.sessionLog = sessionLog
        self.authEvents = authEvents
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await runEvery(interval) { [self] in await flushLogging() }
    }

    private func flushLogging() async {
        do { try await flush() } catch {
            logger.error("cannot write sessions and login events", metadata: ["error": "\(error)"])
        }
    }

    func record(_ session: SessionRecord) {
        pending.withLock { if $0.sessions.count < capacity { $0.sessions.append(session) } }
    }

    func record(_ event: AuthEvent) {
        pending.withLock { if $0.events.count < capacity { $0.events.append(event) } }
    }

    /// Writes what is waiting. Rows that fail to write are kept for the next try.
    func flush() async throws {
        let (sessions, events) = pending.withLock { batch in
            defer { batch = ([], []) }
            return (batch.sessions, batch.events)
        }
        do {
            try await sessionLog.record(sessions)
        } catch {
            pending.withLock { $0.sessions.insert(contentsOf: sessions, at: 0) }
            pending.withLock { $0.events.insert(contentsOf: events, at: 0) }
            throw error
        }
        do {
            try await authEvents.record(events)
        } catch {
            pending.withLock { $0.events.insert(contentsOf: events, at: 0) }
            throw error
        }
    }
}
