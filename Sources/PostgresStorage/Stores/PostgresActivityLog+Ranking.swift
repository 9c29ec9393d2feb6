import Foundation
import PostgresNIO
import Storage

extension PostgresActivityLog: ActivityRanking {
    /// Over every node's rows: the cluster's rankings.
    func topUsersByBytes(since: Date, limit: Int) async throws -> [UserTrafficTotal] {
        try await pool.rows(
            """
            SELECT user_name, count(*)::int8, sum(bytes_out)::int8, sum(retr_count)::int8 FROM sessions
            WHERE user_name IS NOT NULL AND ended_at >= \(since.timeIntervalSince1970)
            GROUP BY user_name ORDER BY sum(bytes_out) DESC, user_name LIMIT \(limit)
            """
        ).map {
            let (user, sessions, bytes, retrieved) = try $0.decode((String, Int64, Int64, Int64).self)
            return UserTrafficTotal(user: user, sessions: Int(sessions), bytesOut: bytes, retrieved: Int(retrieved))
        }
    }

    func failedLoginsByPeer(since: Date, limit: Int) async throws -> [PeerFailureCount] {
        try await pool.rows(
            """
            SELECT peer, count(*)::int8, max(time) FROM auth_events
            WHERE result = 'failed' AND time >= \(since.timeIntervalSince1970)
            GROUP BY peer ORDER BY count(*) DESC, peer LIMIT \(limit)
            """
        ).map {
            let (peer, failed, last) = try $0.decode((String, Int64, Double).self)
            return PeerFailureCount(peer: peer, failed: Int(failed), lastFailure: Date(timeIntervalSince1970: last))
        }
    }
}
