import Foundation
import NIOCore
import NIOPosix

/// The seed project's defaults, created only in a new database.
public enum SeedDefaults {
    public static let userName = "foo"
    public static let password = "bar"
    public static let adminName = "admin"
    public static let adminToken = "123456789abcdef1"
}

/// The SQLite backend: opens the file, applies migrations, and hands out the stores.
public final class SQLiteStorage: Sendable {
    public let database: Database
    public let stores: Stores
    /// What opening did to the schema.
    public let migrationReport: MigrationReport
    /// The hashing threads this storage made for itself when it was given none.
    private let ownHashing: NIOThreadPool?

    /// Opens `path` (creating it when missing). New passwords are hashed at `passwordCost` (log2 N of scrypt), on
    /// `hashing` (by default, threads of its own, one per core).
    public init(
        path: String, passwordCost: Int = PasswordHasher.defaultCost, hashing: (any BlockingExecutor)? = nil,
        migrator: Migrator = .embedded
    ) throws {
        let database = try Database(path: path)
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
        self.stores = Stores(
            users: SQLiteUserStore(
                database: database, hasher: PasswordHasher(cost: passwordCost), hashing: hashing ?? ownHashing!),
            tokens: SQLiteTokenStore(database: database),
            settings: SQLiteSettingsStore(database: database),
            journal: SQLiteDeletionJournal(database: database),
            authEvents: activity,
            sessions: activity,
            metrics: SQLiteMetricsStore(database: database),
            messageIndex: SQLiteMessageIndex(database: database), maintenance: database)
        if migrationReport.wasNew { try Self.seed(database, hasher: PasswordHasher(cost: passwordCost)) }
    }

    /// Writes the seed user and admin into a new database, blocking (the stores are async; opening is not).
    private static func seed(_ database: Database, hasher: PasswordHasher) throws {
        let hash = try hasher.hash(SeedDefaults.password)
        let salt = TokenHasher.salt()
        let tokenHash = TokenHasher.hash(SeedDefaults.adminToken, salt: salt)
        let now = Date().timeIntervalSince1970
        try database.writeBlocking { connection in
            try connection.run(
                "INSERT INTO users (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)",
                SeedDefaults.userName, hash, now, now)
            try connection.run(
                "INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at) VALUES (?, ?, ?, ?)",
                SeedDefaults.adminName, salt, tokenHash, now)
        }
    }

    /// Which seed defaults still work: the server warns at every start while one does.
    public func defaultCredentialsInUse() async throws -> (user: Bool, token: Bool) {
        // A plain check: unlike a login, it must not re-hash (and so change) the stored password at start-up.
        let stored = try await stores.users.passwordStamp(name: SeedDefaults.userName)
        let user = stored.map { PasswordHasher().verify(SeedDefaults.password, against: $0) } ?? false
        let token = try await stores.tokens.admin(forToken: SeedDefaults.adminToken) != nil
        return (user, token)
    }

    /// Closes the database and stops the hashing threads it made; blocks until running work is done.
    public func close() {
        database.close()
        try? ownHashing?.syncShutdownGracefully()
    }
}
