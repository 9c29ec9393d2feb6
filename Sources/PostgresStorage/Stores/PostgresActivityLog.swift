import Foundation
import PostgresNIO
import Storage

/// Login attempts and finished sessions in PostgreSQL: each batch is one statement (arrays unnested into rows),
/// and every row carries the node that wrote it.
final class PostgresActivityLog: AuthEventLog, SessionLog {
    let pool: PostgresPool
    private let node: String

    init(pool: PostgresPool, node: String) {
        self.pool = pool
        self.node = node
    }

    func record(_ events: [AuthEvent]) async throws {
        guard !events.isEmpty else { return }
        let times = events.map(\.time.timeIntervalSince1970)
        let names = events.map(\.userName)
        let peers = events.map(\.peer)
        let results = events.map(\.result.rawValue)
        try await pool.rows(
            """
            INSERT INTO auth_events (node, time, user_name, peer, result)
            SELECT \(node), * FROM unnest(\(times)::float8[], \(names)::text[], \(peers)::text[], \(results)::text[])
            """)
    }

    func recentFailures(peer: String, since: Date) async throws -> Int {
        try await pool.rows(
            """
            SELECT count(*) FROM auth_events
            WHERE peer = \(peer) AND time >= \(since.timeIntervalSince1970) AND result = 'failed'
            """
        ).first?.decode(Int.self) ?? 0
    }

    func record(_ sessions: [SessionRecord]) async throws {
        guard !sessions.isEmpty else { return }
        // A session that never logged in has no user: '' in the array (no user is named ''), NULL in the table.
        try await pool.rows(
            """
            INSERT INTO sessions (node, session_id, user_name, peer, started_at, ended_at, bytes_in, bytes_out,
                                  retr_count, top_count, dele_count, end_reason)
            SELECT \(node), id, nullif(name, ''), peer, started, ended, bytes_in, bytes_out, retr, top, dele, reason
            FROM unnest(\(sessions.map(\.sessionID))::text[], \(sessions.map { $0.user ?? "" })::text[],
                        \(sessions.map(\.peer))::text[], \(sessions.map(\.startedAt.timeIntervalSince1970))::float8[],
                        \(sessions.map(\.endedAt.timeIntervalSince1970))::float8[], \(sessions.map(\.bytesIn))::int8[],
                        \(sessions.map(\.bytesOut))::int8[], \(sessions.map(\.retrCount))::int8[],
                        \(sessions.map(\.topCount))::int8[], \(sessions.map(\.deleCount))::int8[],
                        \(sessions.map(\.endReason.rawValue))::text[])
                 AS batch (id, name, peer, started, ended, bytes_in, bytes_out, retr, top, dele, reason)
            """)
    }

    func recentSessions(limit: Int) async throws -> [SessionRecord] {
        try await pool.rows(
            """
            SELECT session_id, user_name, peer, started_at, ended_at, bytes_in, bytes_out, retr_count, top_count,
                   dele_count, end_reason
            FROM sessions ORDER BY ended_at DESC, id DESC LIMIT \(limit)
            """
        ).map {
            let (id, user, peer, started, ended, bytesIn, bytesOut, retr, top, dele, reason) = try $0.decode(
                (String, String?, String, Double, Double, Int64, Int64, Int, Int, Int, String).self)
            return SessionRecord(
                sessionID: id, user: user, peer: peer, startedAt: Date(timeIntervalSince1970: started),
                endedAt: Date(timeIntervalSince1970: ended), bytesIn: bytesIn, bytesOut: bytesOut, retrCount: retr,
                topCount: top, deleCount: dele, endReason: SessionEndReason(rawValue: reason) ?? .error)
        }
    }
}
