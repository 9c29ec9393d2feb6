import Logging
import Maildir
import MonitorProtocol
import PostgresStorage
import Server
import Storage

/// An open backend and what pop3d holds beside it until it exits.
struct OpenedStorage {
    let storage: any StorageBackend
    /// Where token files go: `<base>.admin-token`.
    let tokenFileBase: String
    /// SQLite: the lock that keeps a second pop3d off the database file.
    let servingLock: ServingLock?
    /// PostgreSQL with a node-local index: the cache file.
    let indexCache: MessageIndexCache?
    /// PostgreSQL: one session per maildrop across every node (the journal is recovered per maildrop when its lock
    /// is taken). nil on SQLite: a file lock, and the journal is recovered at start-up.
    let clusterLocks: ClusterMaildropLocks?

    /// Closes the backend, then the files held beside it; after every service has stopped.
    func close() async {
        await storage.shutdown()
        indexCache?.close()
        withExtendedLifetime(servingLock) {}
    }
}

/// Opens the database `--database` names, creating it with the first-run credentials when it is new (and
/// writing the new admin's token file), so `run` deals with one `StorageBackend` whatever the engine.
struct StorageOpener {
    let target: DatabaseTarget
    let options: DatabaseOptions
    let passwordCost: Int
    let quickStartCredentials: Bool
    /// The account pop3d drops to, when started as root: local files are handed to it without following links.
    let owner: SystemAccount?
    let logger: Logger

    func open(hashing: HashingQueue) async throws -> OpenedStorage {
        let opened: OpenedStorage
        let firstToken: AdminTokenFile
        switch target {
        case .sqlite(let path):
            // Before the database is opened or recovered: a second pop3d on it would undo the first one's deletions.
            let servingLock = try ServingLock(databasePath: path, owner: owner)
            firstToken = newAdminToken(basePath: path)
            let storage = try SQLiteStorage(
                path: path, passwordCost: passwordCost, hashing: hashing, firstRun: firstRun(firstToken),
                owner: owner?.fileOwner, node: options.node)
            opened = OpenedStorage(
                storage: storage, tokenFileBase: path, servingLock: servingLock, indexCache: nil, clusterLocks: nil)
        case .postgresql(let location):
            var postgres = PostgresStorage.Options(
                password: try options.password(followingLinks: owner == nil), node: options.node)
            postgres.passwordCost = passwordCost
            postgres.maximumConnections = options.connections
            postgres.requestTimeout = .milliseconds(Int64(options.timeout * 1_000))
            let base = "pop3d-\(location.database)"
            // A node-local file by default: it spares PostgreSQL a large read at every login of a big maildrop.
            let indexSetting = options.messageIndexCache ?? "\(base).message-index.sqlite"
            var indexCache: MessageIndexCache?
            if indexSetting != "database" {
                indexCache = try MessageIndexCache(path: indexSetting, owner: owner?.fileOwner)
                postgres.messageIndex = indexCache?.store
            }
            firstToken = newAdminToken(basePath: base)
            let storage: PostgresStorage
            do {
                storage = try await PostgresStorage.open(
                    location, options: postgres, hashing: hashing, firstRun: firstRun(firstToken), logger: logger)
            } catch {
                indexCache?.close()
                throw error
            }
            logger.info(
                "database opened",
                metadata: [
                    "database": "\(location)", "node": "\(storage.node)",
                    "message_index": "\(indexSetting)",
                ])
            opened = OpenedStorage(
                storage: storage, tokenFileBase: base, servingLock: nil, indexCache: indexCache,
                clusterLocks: storage.maildropLocks)
        }
        if opened.storage.migrationReport.wasNew, !quickStartCredentials {
            firstToken.hand(to: owner?.fileOwner, logger: logger)
        }
        return opened
    }

    private func newAdminToken(basePath: String) -> AdminTokenFile {
        AdminTokenFile(
            admin: "admin", token: MonitorToken.random().text, basePath: basePath,
            event: "new database: monitor admin created with a random token")
    }

    private func firstRun(_ token: AdminTokenFile) -> FirstRunCredentials {
        quickStartCredentials ? .quickStart : .admin(name: token.admin, token: token.token)
    }
}

extension DatabaseTarget {
    /// `--database` as logs show it.
    static func loggable(_ text: String) -> String {
        switch try? DatabaseTarget(text) {
        case .postgresql(let location): return "\(location)"
        case .sqlite(let path): return path
        case nil: return text
        }
    }
}
