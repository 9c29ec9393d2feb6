import Foundation
import Logging
import NIOCore
import POP3Core
import Storage

/// One connection's bookkeeping: its live-session entry, the octets in and out, and at the end the metrics, the
/// `logout` and `disconnect` log lines and the session row. Lives on the connection's event loop.
final class SessionAccounting {
    private let book: SessionBook
    private let sessionID: String
    private let peer: String
    private let startedAt = Date()
    private var liveEntry: LiveSessions.Entry?
    private(set) var bytesIn: Int64 = 0
    private(set) var bytesOut: Int64 = 0
    /// Octets of RETR and TOP answers, for the logout line's `retr=n/octets`.
    var messageBytesSent: Int64 = 0

    init(book: SessionBook, sessionID: String, peer: String) {
        self.book = book
        self.sessionID = sessionID
        self.peer = peer
    }

    func connected(channel: any Channel) {
        let entry = LiveSessions.Entry(sessionID: sessionID, peer: peer, since: startedAt, channel: channel)
        liveEntry = entry
        book.liveSessions.register(entry)
        book.metrics.add(.connectionsCurrent)
        book.metrics.add(.connectionsTotal)
    }

    func loggedIn(user: String) {
        liveEntry?.user.withLock { $0 = user }
    }

    func countIn(_ count: Int) {
        bytesIn += Int64(count)
        liveEntry?.bytesIn.wrappingAdd(Int64(count), ordering: .relaxed)
        book.metrics.add(.bytesIn, Int64(count))
    }

    func countOut(_ count: Int) {
        bytesOut += Int64(count)
        liveEntry?.bytesOut.wrappingAdd(Int64(count), ordering: .relaxed)
        book.metrics.add(.bytesOut, Int64(count))
    }

    /// The connection closed: metrics, the session row, and the `logout` (after a login) and `disconnect` lines.
    func finished(
        reason: SessionEndReason, user: String?, counters: SessionCounters, maildropSize: Int, logger: Logger
    ) {
        book.liveSessions.remove(sessionID)
        book.metrics.add(.connectionsCurrent, -1)
        book.metrics.detail.sessionDuration.observe(
            Int64(Date().timeIntervalSince(startedAt) * 1e9))
        switch reason {
        case .quit: book.metrics.add(.sessionsQuit)
        case .timeout: book.metrics.add(.sessionsTimeout)
        case .shutdown: book.metrics.add(.sessionsShutdown)
        case .dropped, .error: book.metrics.add(.sessionsDropped)
        }
        book.recorder.record(
            SessionRecord(
                sessionID: sessionID, user: user, peer: peer, startedAt: startedAt, endedAt: Date(),
                bytesIn: bytesIn, bytesOut: bytesOut, retrCount: counters.retr, topCount: counters.top,
                deleCount: counters.dele, endReason: reason))
        if let user {
            logger.info(
                "logout",
                metadata: [
                    "user": "\(user)", "reason": "\(reason.rawValue)", "top": "\(counters.top)",
                    "retr": "\(counters.retr)/\(messageBytesSent)", "del": "\(counters.dele)",
                    "size": "\(maildropSize)", "in": "\(bytesIn)", "out": "\(bytesOut)",
                ])
        }
        logger.info("disconnect", metadata: ["reason": "\(reason.rawValue)"])
    }
}

extension SessionEndReason {
    init(_ end: SessionEnd) {
        switch end {
        case .quit: self = .quit
        case .timeout: self = .timeout
        case .shutdown: self = .shutdown
        case .tooManyBadCommands, .tooManyLoginFailures, .protocolViolation, .lockLost: self = .error
        }
    }
}
