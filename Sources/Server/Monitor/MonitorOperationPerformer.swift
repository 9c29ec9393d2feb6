public import Foundation
public import Logging
import Maildir
public import MonitorProtocol
import POP3Core
public import Storage

/// Carries out one checked monitor operation against the stores and the live state of the process.
public struct MonitorOperationPerformer: Sendable {
    /// The stores; `users` must be the auth cache's, so a change here drops its entries at once.
    private let stores: Stores
    private let maildirRoot: MaildirRoot
    private let liveSessions: LiveSessions
    private let metrics: ServerMetrics
    private let logger: Logger
    /// Where backups may be written; nil: backups are off.
    private let backupDirectory: BackupDirectory?
    /// How old another node's newest sample may be for its gauges to count in cluster answers.
    private let staleAge: TimeInterval
    private let now: @Sendable () -> Date
    /// LOGIN-DELAY and EXPIRE: the defaults per-user values are shown against, and the CAPA advertisement to renew.
    private let policies: MailboxPolicyBook
    /// With SCRAM on: the iterations of a new salt; a password set here gets its verifier at once.
    private let scramIterations: Int?

    /// `sampleInterval`: how often this server writes its samples (`--sample-interval`); cluster answers take a node
    /// whose newest sample is older than `ClusterMetrics.staleAge` of it for dead.
    public init(
        stores: Stores, maildirRoot: MaildirRoot, liveSessions: LiveSessions, metrics: ServerMetrics, logger: Logger,
        backupDirectory: BackupDirectory? = nil, sampleInterval: Duration = ServerConfiguration().sampleInterval,
        policies: MailboxPolicyBook? = nil, now: @escaping @Sendable () -> Date = { Date() },
        scramIterations: Int? = nil
    ) {
        self.policies = policies ?? MailboxPolicyBook(defaults: PolicyDefaults(), store: stores.policies)
        self.stores = stores
        self.scramIterations = scramIterations
        self.backupDirectory = backupDirectory
        self.staleAge = ClusterMetrics.staleAge(sampleInterval: sampleInterval)
        self.maildirRoot = maildirRoot
        self.liveSessions = liveSessions
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    /// Writes the SCRAM verifier of a password just set, when SCRAM is on. A failure only delays it to the user's
    /// next USER/PASS or PLAIN login, so the operation still succeeds.
    private func keepSCRAMVerifier(user: String, password: String) async {
        guard let scramIterations else { return }
        do {
            try await stores.scram.keepSCRAMVerifier(
                user: user, password: Array(password.utf8), iterations: scramIterations)
        } catch {
            logger.warning("SCRAM verifier not written", metadata: ["user": "\(user)", "error": "\(error)"])
        }
    }

    /// The reply to `operation`, or the refusal to answer. `version` decides how refusals are worded on the wire
    /// (v1 has no "not found" or "already exists").
    public func perform(_ operation: MonitorOperation, version: MonitorVersion) async throws(MonitorFailure)
        -> MonitorReply
    {
        let refusals = MonitorRefusals(version: version)
        do {
            return try await reply(to: operation, refusals: refusals)
        } catch let failure as MonitorFailure {
            throw failure
        } catch {
            let failure = refusals.failure(for: error, doing: operation.logDescription)
            if failure.status == .serverError {
                logger.error(
                    "monitor request failed", metadata: ["request": "\(operation.logDescription)", "error": "\(error)"])
            }
            throw failure
        }
    }

    private func reply(to operation: MonitorOperation, refusals: MonitorRefusals) async throws -> MonitorReply {
        switch operation {
        case .legacyCounter(let counter):
            return .legacyCounter(LegacyCounter.wireValue(currentValue(counter.metric)))
        case .setBufferSize(let size):
            try await stores.settings.setValue(String(size), for: .bufferSize)
            return .done
        case .setMaildir(let path):
            try await maildirRoot.checkCandidate(path)
            try await stores.settings.setValue(path, for: .maildir)
            maildirRoot.move(to: path)
            return .done
        case .addAdmin(let name, let token):
            try await stores.tokens.addToken(admin: name, token: token.text)
            return .done
        case .deleteAdmin(let name):
            guard try await stores.tokens.deleteToken(admin: name) else { throw refusals.notFound("admin \(name)") }
            return .done
        case .addUser(let name, let password):
            // A Dovecot passwd-file field ("{SHA512-CRYPT}$6$…", "{PLAIN}x") as `users import` sends it.
            switch try ImportedPassword(field: password) {
            case .plain(let plain):
                try await stores.users.createUser(name: name, password: plain)
                await keepSCRAMVerifier(user: name, password: plain)
            case .crypt(let hash): try await stores.users.importUser(name: name, passwordHash: hash.stored)
            }
            return .done
        case .deleteUser(let name):
            guard try await stores.users.deleteUser(name: name) else { throw refusals.notFound("user \(name)") }
            return .done
        case .changePassword(let name, let password):
            guard try await stores.users.changePassword(name: name, newPassword: password) else {
                throw refusals.notFound("user \(name)")
            }
            await keepSCRAMVerifier(user: name, password: password)
            return .done
        case .addAppPassword(let user, let label):
            guard try await stores.users.passwordStamp(name: user) != nil else {
                throw refusals.notFound("user \(user)")
            }
            let password = try await stores.appPasswords.addAppPassword(user: user, label: label)
            await keepSCRAMVerifier(user: user, password: password)
            return .appPassword(password)
        case .listAppPasswords(let user):
            guard let entries = try await stores.appPasswords.listAppPasswords(user: user) else {
                throw refusals.notFound("user \(user)")
            }
            return .appPasswords(
                entries.map {
                    AppPasswordEntry(
                        label: $0.label, createdAt: UnixTime.seconds($0.createdAt),
                        lastUsedAt: $0.lastUsedAt.map(UnixTime.seconds) ?? 0)
                })
        case .revokeAppPassword(let user, let label):
            guard try await stores.appPasswords.revokeAppPassword(user: user, label: label) else {
                throw refusals.notFound("app password \(label) of \(user)")
            }
            return .done
        case .serverInfo:
            return .serverInfo(
                ServerInfo(
                    version: ServerConfiguration.version, uptimeSeconds: currentValue(.uptimeSeconds),
                    time: UnixTime.seconds(now())))
        case .metrics:
            await DatabaseSizeGauge(maintenance: stores.maintenance, metrics: metrics).refresh()
            let values = MetricID.allCases.map { MetricValue(metric: $0, value: currentValue($0)) }
            return .metrics(MetricsSnapshot(time: UnixTime.seconds(now()), values: values))
        case .history(let query):
            return .history(try await history(query))
        case .clusterMetrics:
            await DatabaseSizeGauge(maintenance: stores.maintenance, metrics: metrics).refresh()
            let live = MetricID.allCases.map { MetricValue(metric: $0, value: currentValue($0)) }
            let stored = try await stores.metrics.latestValuesByNode(
                metrics: MetricID.allCases.map { MetricKey($0.name) })
            return .clusterMetrics(
                ClusterMetrics.snapshot(
                    node: stores.metrics.node, live: live, stored: stored, now: now(), staleAge: staleAge))
        case .clusterHistory(let query):
            return .clusterHistory(try await clusterHistory(query))
        case .listUsers(let after):
            let users = try await stores.users.listUsers().map {
                AccountEntry(name: $0.name, createdAt: UnixTime.seconds($0.createdAt))
            }
            return .users(ListPage.page(of: users, after: after, key: \.name))
        case .listAdmins(let after):
            let admins = try await stores.tokens.listTokens().map {
                AccountEntry(name: $0.admin, createdAt: UnixTime.seconds($0.createdAt))
            }
            return .admins(ListPage.page(of: admins, after: after, key: \.name))
        case .listSessions(let after):
            let sessions = liveSessions.list().map {
                SessionEntry(
                    id: $0.sessionID, user: $0.user ?? "", peer: $0.peer, since: UnixTime.seconds($0.since),
                    bytesIn: UInt64(max(0, $0.bytesIn)), bytesOut: UInt64(max(0, $0.bytesOut)))
            }
            return .sessions(ListPage.page(of: sessions, after: after, key: \.id))
        case .userPolicy(let name, let change):
            return .userPolicy(try await userPolicy(name: name, change: change, refusals: refusals))
        case .listHidden(let name, let after):
            let (store, user) = try await hiddenStore(of: name, refusals: refusals)
            let hidden = try await store.files.run { try store.hiddenMessages(user: user) }.map {
                HiddenEntry(fileName: $0.fileName, size: UInt64(max(0, $0.size)), hiddenAt: $0.hiddenAt)
            }
            return .hidden(ListPage.page(of: hidden, after: after, key: \.fileName))
        case .purgeHidden(let name, let days):
            let (store, user) = try await hiddenStore(of: name, refusals: refusals)
            let cutoff = UnixTime.seconds(now()) - Int64(days) * 86_400
            let removed = try await store.files.run { try store.purgeHidden(user: user, hiddenBefore: cutoff) }
            logger.notice(
                "hidden messages purged", metadata: ["user": "\(name)", "days": "\(days)", "removed": "\(removed)"])
            return .count(UInt64(removed))
        case .backup(let requested):
            guard let backupDirectory else {
                throw MonitorFailure(.badData, "backups are off: start pop3d with --backup-directory")
            }
            let path = try backupDirectory.destination(for: requested)
            do {
                try await stores.maintenance.backup(to: path)
            } catch StorageError.alreadyExists {
                throw refusals.alreadyExists(path)
            }
            logger.notice("database backed up", metadata: ["file": "\(path)"])
            return .done
        case .topUsers(let query):
            return .topUsers(try await ReportRankings(stores: stores).topUsers(query))
        case .failedLoginsByPeer(let query):
            return .failedLoginsByPeer(try await ReportRankings(stores: stores).failedLoginsByPeer(query))
        }
    }

    /// A metric as the wire carries it: never negative (a gauge can dip below zero for an instant).
    private func currentValue(_ metric: MetricID) -> UInt64 {
        UInt64(max(0, metrics.value(metric)))
    }

    private func history(_ query: HistoryQuery) async throws -> HistorySeries {
        guard try Self.isInRange(query) else {
            return HistorySeries(metric: query.metric, step: query.step, points: [])
        }
        let points = try await stores.metrics.history(
            metric: MetricKey(query.metric.name), kind: query.metric.isCounter ? .counter : .gauge,
            from: Date(timeIntervalSince1970: Double(query.from)), to: Date(timeIntervalSince1970: Double(query.to)),
            step: Double(query.step)
        ).map {
            HistoryPoint(
                start: UnixTime.seconds($0.start), value: $0.value.isFinite ? $0.value : 0,
                maximum: $0.maximum.isFinite ? $0.maximum : 0)
        }
        return HistorySeries(metric: query.metric, step: query.step, points: points)
    }

    private func clusterHistory(_ query: HistoryQuery) async throws -> ClusterHistorySeries {
        let perNode =
            try Self.isInRange(query)
            ? try await stores.metrics.historyByNode(
                metric: MetricKey(query.metric.name), kind: query.metric.isCounter ? .counter : .gauge,
                from: Date(timeIntervalSince1970: Double(query.from)),
                to: Date(timeIntervalSince1970: Double(query.to)), step: Double(query.step)) : []
        return ClusterMetrics.history(node: stores.metrics.node, query: query, perNode: perNode)
    }

    /// False for a query past the times samples can have; throws for one the protocol refuses.
    private static func isInRange(_ query: HistoryQuery) throws(MonitorFailure) -> Bool {
        // The parser checks this too; checked again so a query built elsewhere cannot ask the store for millions.
        if let problem = query.problem { throw MonitorFailure(problem, "the history query is out of range") }
        // Past 2^52 seconds a Double no longer tells neighbouring seconds apart, and no sample lives there.
        let representable: Int64 = 1 << 52
        return query.to > -representable && query.from < representable
    }

    /// The maildir and maildrop of an existing user, when keep-on-delete is on.
    private func hiddenStore(
        of name: String, refusals: MonitorRefusals
    ) async throws -> (MaildirStore, MailboxName) {
        let store = maildirRoot.store
        guard store.hiddenKeyword != nil else {
            throw MonitorFailure(.badData, "keep-on-delete is off: start pop3d with --keep-deleted-keyword")
        }
        guard try await stores.users.passwordStamp(name: name) != nil, let user = MailboxName(name)
        else { throw refusals.notFound("user \(name)") }
        return (store, user)
    }

    /// Reads or changes a user's own LOGIN-DELAY and EXPIRE; a change also renews what CAPA shows before login.
    private func userPolicy(
        name: String, change: UserPolicyChange, refusals: MonitorRefusals
    ) async throws -> UserPolicyEntry {
        if case .value(let seconds) = change.loginDelay, seconds > 31_536_000 {
            throw MonitorFailure(.badData, "the login delay must be at most 31536000 seconds")
        }
        if case .value(let days) = change.expire, days > 36_500 {
            throw MonitorFailure(.badData, "the expiry must be at most 36500 days")
        }
        let delayChange: PolicyChange<Int> =
            switch change.loginDelay {
            case .keep, .never: .keep
            case .serverDefault: .serverDefault
            case .value(let seconds): .set(Int(seconds))
            }
        let expireChange: PolicyChange<ExpireOverride> =
            switch change.expire {
            case .keep: .keep
            case .serverDefault: .serverDefault
            case .never: .set(.never)
            case .value(let days): .set(.days(Int(days)))
            }
        guard
            let own = try await policies.store.changePolicy(
                user: name, loginDelaySeconds: delayChange, expire: expireChange)
        else { throw refusals.notFound("user \(name)") }
        if change != UserPolicyChange() {
            try await policies.refresh()
            logger.notice("user policy changed", metadata: ["user": "\(name)"])
        }
        let applied = policies.effective(own)
        let ownExpire: PolicySetting =
            switch own.expire {
            case nil: .serverDefault
            case .never?: .never
            case .days(let days)?: .value(Int64(days))
            }
        return UserPolicyEntry(
            ownLoginDelay: own.loginDelaySeconds.map { PolicySetting.value(Int64($0)) } ?? .serverDefault,
            ownExpire: ownExpire,
            loginDelay: .value(Int64(applied.loginDelaySeconds)),
            expire: applied.expireDays.map { PolicySetting.value(Int64($0)) } ?? .never)
    }
}

/// Unix seconds of a date, without trapping on dates far outside Int64's range.
enum UnixTime {
    static func seconds(_ date: Date) -> Int64 {
        let value = date.timeIntervalSince1970.rounded(.down)
        guard value.isFinite else { return 0 }
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value)
    }
}
