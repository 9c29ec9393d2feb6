public import Foundation
import Maildir
import NIOCore
import POP3Core
import Synchronization

/// What the monitor shows of one live POP3 session.
public struct LiveSessionInfo: Sendable, Equatable {
    public var sessionID: String
    public var user: String?
    public var peer: String
    public var since: Date
    public var bytesIn: Int64
    public var bytesOut: Int64
}

/// The POP3 sessions of this process: for the monitor's session list and for telling each one the server stops.
public final class LiveSessions: Sendable {
    /// A live session's shared part; its counters are written by the session's event loop.
    final class Entry: Sendable {
        let sessionID: String
        let peer: String
        let since: Date
        let channel: any Channel
        let bytesIn = Atomic<Int64>(0)
        let bytesOut = Atomic<Int64>(0)
        let user = Mutex<String?>(nil)

        init(sessionID: String, peer: String, since: Date, channel: any Channel) {
            self.sessionID = sessionID
            self.peer = peer
            self.since = since
            self.channel = channel
        }
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Callers of `drained` waiting for the table to empty, by call (each listener waits on its own).
    private let drainWaiters = Mutex<(next: Int, waiting: [Int: CheckedContinuation<Void, Never>])>((0, [:]))

    public init() {}

    func register(_ entry: Entry) {
        entries.withLock { $0[entry.sessionID] = entry }
    }

    func remove(_ sessionID: String) {
        let isEmpty = entries.withLock { entries in
            entries.removeValue(forKey: sessionID)
            return entries.isEmpty
        }
        if isEmpty { resumeDrainWaiters() }
    }

    /// Returns once no session is left, or after `limit`, whichever comes first; true when none is left.
    /// Woken by the last session's removal, not by polling.
    func drained(within limit: Duration) async -> Bool {
        let id = drainWaiters.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { continuation in
                    drainWaiters.withLock { $0.waiting[id] = continuation }
                    // Checked after registering, so a removal or the time limit in between cannot be missed.
                    if count == 0 {
                        resumeDrainWaiters()
                    } else if Task.isCancelled {
                        drainWaiters.withLock { $0.waiting.removeValue(forKey: id) }?.resume()
                    }
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
            // The sleeper ends at once when cancelled; this call's waiter, if still parked, is woken to end the group.
            drainWaiters.withLock { $0.waiting.removeValue(forKey: id) }?.resume()
        }
        return count == 0
    }

    private func resumeDrainWaiters() {
        let waiters = drainWaiters.withLock { state in
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    public var count: Int { entries.withLock { $0.count } }

    /// A snapshot of every live session, oldest first.
    public func list() -> [LiveSessionInfo] {
        entries.withLock { Array($0.values) }.map { entry in
            LiveSessionInfo(
                sessionID: entry.sessionID, user: entry.user.withLock { $0 }, peer: entry.peer, since: entry.since,
                bytesIn: entry.bytesIn.load(ordering: .relaxed), bytesOut: entry.bytesOut.load(ordering: .relaxed))
        }.sorted { $0.since < $1.since }
    }

    /// Asks every session to answer `-ERR [SYS/TEMP] server shutting down` and close.
    func shutdownAll() {
        broadcast(ServerShutdownEvent())
    }

    /// Ends every session that holds a maildrop with `-ERR [SYS/TEMP]`, without committing its deletions: their
    /// locks are gone, and another node may be serving those maildrops by now.
    public func endMaildropSessions() {
        broadcast(MaildropLockLostEvent())
    }

    private func broadcast(_ event: some Sendable) {
        for entry in entries.withLock({ Array($0.values) }) {
            entry.channel.pipeline.fireUserInboundEventTriggered(event)
        }
    }
}

/// Sent through a session's pipeline when the server stops.
struct ServerShutdownEvent: Sendable {}

/// Sent through every session's pipeline when the cluster-wide maildrop locks are lost (the node's lock connection
/// to PostgreSQL broke): a session holding a maildrop ends at once with `-ERR [SYS/TEMP]` and commits nothing.
struct MaildropLockLostEvent: Sendable {}
