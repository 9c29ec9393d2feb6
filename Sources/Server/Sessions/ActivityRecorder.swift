import Foundation
import Storage
import Synchronization

/// Collects finished sessions and login attempts in memory; `flush` writes them in one transaction each,
/// so a busy server does not pay one SQLite commit per login.
final class ActivityRecorder: Sendable {
    private let pending = Mutex<(sessions: [SessionRecord], events: [AuthEvent])>(([], []))
    private let sessionLog: any SessionLog
    private let authEvents: any AuthEventLog
    /// Beyond this many waiting rows new ones are dropped (and counted) rather than growing without bound.
    private let capacity = 100_000

    init(sessionLog: any SessionLog, authEvents: any AuthEventLog) {
        self.sessionLog = sessionLog
        self.authEvents = authEvents
    }

    func record(_ session: SessionRecord) {
        pending.withLock { if $0.sessions.count < capacity { $0.sessions.append(session) } }
    }

    func record(_ event: AuthEvent) {
        pending.withLock { if $0.events.count < capacity { $0.events.append(event) } }
    }

    /// Writes what is waiting. Blocking: call from a thread pool. Rows that fail to write are kept for the next try.
    func flush() throws {
        let (sessions, events) = pending.withLock { batch in
            defer { batch = ([], []) }
            return (batch.sessions, batch.events)
        }
        do {
            try sessionLog.record(sessions)
        } catch {
            pending.withLock { $0.sessions.insert(contentsOf: sessions, at: 0) }
            pending.withLock { $0.events.insert(contentsOf: events, at: 0) }
            throw error
        }
        do {
            try authEvents.record(events)
        } catch {
            pending.withLock { $0.events.insert(contentsOf: events, at: 0) }
            throw error
        }
    }
}
