import Foundation
import MonitorProtocol
import Storage

/// The monitor's rankings (`pop3ctl report`): the stores' rows since a time, as the wire carries them.
struct ReportRankings {
    let stores: Stores

    /// The session log's rankings; every backend's log has them.
    private var ranking: any ActivityRanking {
        get throws {
            guard let ranking = stores.sessions as? any ActivityRanking else {
                throw MonitorFailure(.badMethod, "this database cannot rank its history")
            }
            return ranking
        }
    }

    func topUsers(_ query: RankingQuery) async throws -> [UserTraffic] {
        try await ranking.topUsersByBytes(
            since: Date(timeIntervalSince1970: TimeInterval(query.since)), limit: Int(query.limit)
        )
        .map {
            UserTraffic(
                user: $0.user, sessions: UInt64(max(0, $0.sessions)), bytesOut: UInt64(max(0, $0.bytesOut)),
                retrieved: UInt64(max(0, $0.retrieved)))
        }
    }

    func failedLoginsByPeer(_ query: RankingQuery) async throws -> [PeerFailures] {
        try await ranking.failedLoginsByPeer(
            since: Date(timeIntervalSince1970: TimeInterval(query.since)), limit: Int(query.limit)
        ).map {
            PeerFailures(
                peer: $0.peer, failed: UInt64(max(0, $0.failed)), lastFailure: UnixTime.seconds($0.lastFailure))
        }
    }
}
