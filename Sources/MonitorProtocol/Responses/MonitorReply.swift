/// The body of a response: what the server answers, typed.
public enum MonitorReply: Sendable, Hashable {
    /// Success with nothing to report (v1: DATA 0x00; v2: no DATA).
    case done
    /// v1 GET answer.
    case legacyCounter(UInt32)
    case serverInfo(ServerInfo)
    case metrics(MetricsSnapshot)
    case history(HistorySeries)
    case clusterMetrics(ClusterMetricsSnapshot)
    case clusterHistory(ClusterHistorySeries)
    case users(ListPage<AccountEntry>)
    case admins(ListPage<AccountEntry>)
    case sessions(ListPage<SessionEntry>)
    case topUsers([UserTraffic])
    case failedLoginsByPeer([PeerFailures])
    case userPolicy(UserPolicyEntry)
    case hidden(ListPage<HiddenEntry>)
    /// How many things an operation did (purge hidden: messages removed).
    case count(UInt64)
    /// A new app password, shown once.
    case appPassword(String)
    case appPasswords([AppPasswordEntry])
    /// Any status but ok. v2 carries the message; v1 cannot (it sends DATA 0x00), so it decodes as "".
    case failure(message: String)
}
