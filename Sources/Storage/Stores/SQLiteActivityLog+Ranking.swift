import Foundation

extension SQLiteActivityLog: ActivityRanking {
    func topUsersByBytes(since: Date, limit: Int) async throws -> [UserTrafficTotal] {
        try await database.read { connection in
            try connection.query(
                """
                SELECT user, count(*), sum(bytes_out), sum(retr_count) FROM sessions
                WHERE user IS NOT NULL AND ended_at >= ?
                GROUP BY user ORDER BY sum(bytes_out) DESC, user LIMIT ?
                """, since.timeIntervalSince1970, limit
            ).map {
                UserTrafficTotal(user: $0.string(0), sessions: $0.int(1), bytesOut: $0.int64(2), retrieved: $0.int(3))
            }
        }
    }

    func failedLoginsByPeer(since: Date, limit: Int) async throws -> [PeerFailureCount] {
        try await database.read { connection in
            try connection.query(
                """
                SELECT peer, count(*), max(time) FROM auth_events WHERE result = 'failed' AND time >= ?
                GROUP BY peer ORDER BY count(*) DESC, peer LIMIT ?
                """, since.timeIntervalSince1970, limit
            ).map {
                PeerFailureCount(
                    peer: $0.string(0), failed: $0.int(1), lastFailure: Date(timeIntervalSince1970: $0.double(2)))
            }
        }
    }
}
