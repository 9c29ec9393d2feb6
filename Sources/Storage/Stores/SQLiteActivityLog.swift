import Foundation

/// Login attempts and finished sessions in SQLite; each call writes its whole batch in one transaction.
final class SQLiteActivityLog: AuthEventLog, SessionLog {
    let database: Database

    init(database: Database) {
        self.database = database
    }

    func record(_ events: [AuthEvent]) async throws {
        guard !events.isEmpty else { return }
        try await database.write { connection in
            for event in events {
                try connection.run(
                    "INSERT INTO auth_events (time, user_name, peer, result) VALUES (?, ?, ?, ?)",
                    event.time.timeIntervalSince1970, event.userName, event.peer, event.result.rawValue)
            }
        }
    }

    func recentFailures(peer: String, since: Date) async throws -> Int {
        try await database.read { connection in
            try connection.query(
                "SELECT count(*) FROM auth_events WHERE peer = ? AND time >= ? AND result = 'failed'",
                peer, since.timeIntervalSince1970)[0].int(0)
        }
    }

    func record(_ sessions: [SessionRecord]) async throws {
        guard !sessions.isEmpty else { return }
        try await database.write { connection in
            for session in sessions {
                try connection.run(
                    """
                    INSERT INTO sessions (session_id, user, peer, started_at, ended_at, bytes_in, bytes_out,
                                          retr_count, top_count, dele_count, end_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    session.sessionID, session.user, session.peer, session.startedAt.timeIntervalSince1970,
                    session.endedAt.timeIntervalSince1970, session.bytesIn, session.bytesOut, session.retrCount,
                    session.topCount, session.deleCount, session.endReason.rawValue)
            }
        }
    }

    func recentSessions(limit: Int) async throws -> [SessionRecord] {
        try await database.read { connection in
            try connection.query(
                """
                SELECT session_id, user, peer, started_at, ended_at, bytes_in, bytes_out, retr_count, top_count,
                       dele_count, end_reason
                FROM sessions ORDER BY ended_at DESC, id DESC LIMIT ?
                """, limit
            ).map {
                SessionRecord(
                    sessionID: $0.string(0), user: $0.optionalString(1), peer: $0.string(2),
                    startedAt: Date(timeIntervalSince1970: $0.double(3)),
                    endedAt: Date(timeIntervalSince1970: $0.double(4)), bytesIn: $0.int64(5),
                    bytesOut: $0.int64(6), retrCount: $0.int(7), topCount: $0.int(8), deleCount: $0.int(9),
                    endReason: SessionEndReason(rawValue: $0.string(10)) ?? .error)
            }
        }
    }
}
