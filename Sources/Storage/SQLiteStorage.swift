import Foundation
import NIOCore
import NIOPosix

/// The seed project's quick-start credentials: created only in a new database, and only when asked for
/// (`FirstRunCredentials.quickStart`).
public enum SeedDefaults {
    public static let userName = "foo"
    public static let password = "bar"
    public static let adminName = "admin"
    public static let adminToken = "123456789abcdef1"
}

/// The credentials a new database starts with.
public enum FirstRunCredentials: Sendable, Equatable {
    /// None: users and admins are added later (tools and tests that add their own).
    case none
    /// The seed project's user foo/bar and admin token 123456789abcdef1, for a quick local try only.
    case quickStart
    /// No user, and one admin with this token (a random one the caller shows the operator once).
    case admin(name: String, token: String)
}

/// The SQLite backend: opens the file, applies migrations, and hands out the stores.
public final class SQLiteStorage: StorageBackend {
    public let database: Database
    public let stores: Stores
    /// What opening did to the schema.
    public let migrationReport: MigrationReport
    /// The hashing threads this storage made for itself when it was given none.
    private let ownHashing: NIOThreadPool?

    /// Opens `path` (creating it when missing, with `firstRun`'s credentials). New passwords are hashed at
    /// `passwordCost` (log2 N of scrypt), on `hashing` (by default, threads of its own, one per core). `owner`: see
    /// `Database`. `node` names the server in metric answers (the file stores no node name).
    public init(
        path: String, passwordCost: Int = PasswordHasher.defaultCost, hashing: (any BlockingExecutor)? = nil,
        migrator: Migrator = .embedded, firstRun: FirstRunCredentials = .none, owner: FileOwner? = nil,
        node: String = "pop3d"
    ) throws {
        let database = try Database(path: path, owner: owner)
        do {
            migrationReport = try migrator.migrate(database)
        } catch {
            database.close()
            throw error
        }
        let activity = SQLiteActivityLog(database: database)
        if hashing == nil {
            let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
            pool.start()
            ownHashing = pool
        } else {
            ownHashing = nil
        }
        self.database = database
        let users = SQLiteUserStore(
            database: database,
            passwords: PasswordVerifier(hasher: PasswordHasher(cost: passwordCost), hashing: hashing ?? ownHashing!))
        self.stores = Stores(
            users: users,
            tokens: SQLiteTokenStore(database: database),
            settings: SQLiteSettingsStore(database: database),
            journal: SQLiteDeletionJournal(database: database),
            authEvents: activity,
            sessions: activity,
            metrics: SQLiteMetricsStore(database: database, node: node),
            messageIndex: SQLiteMessageIndex(database: database),
            historyRetention: SQLiteHistoryRetention(database: database),
            policies: SQLiteMailboxPolicyStore(database: database), maintenance: database, appPasswords: users,
            scram: users)
        if migrationReport.wasNew {
            do {
                try Self.seed(database, firstRun, hasher: PasswordHasher(cost: passwordCost))
            } catch {
                close()
                throw error
            }
        }
    }

    /// Writes a new database's first user and admin, blocking (the stores are async; opening is not).
    private static func seed(_ database: Database, _ firstRun: FirstRunCredentials, hasher: PasswordHasher) throws {
        let user: (name: String, hash: String)?
        let admin: (name: String, token: String)?
        switch firstRun {
        case .none: return
        case .quickStart:
            user = (SeedDefaults.userName, try hasher.hash(SeedDefaults.password))
            admin = (SeedDefaults.adminName, SeedDefaults.adminToken)
        case .admin(let name, let token):
            user = nil
            admin = (name, token)
        }
        let now = Date().timeIntervalSince1970
        try database.writeBlocking { connection in
            if let user {
                try connection.run(
                    "INSERT INTO users (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    user.name, user.hash, now, now)
            }
            if let admin {
                let salt = TokenHasher.salt()
                try connection.run(
                    "INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at) VALUES (?, ?, ?, ?)",
                    admin.name, salt, TokenHasher.hash(admin.token, salt: salt), now)
            }
        }
    }

    /// Closes the database and stops the hashing threads it made; blocks until running work is done.
    public func close() {
        database.close()
        try? ownHashing?.syncShutdownGracefully()
    }

    public func shutdown() async {
        close()
    }
}
