/// The seed project's defaults, created only in a new database.
public enum SeedDefaults {
    public static let userName = "foo"
    public static let password = "bar"
    public static let adminName = "admin"
    public static let adminToken = "123456789abcdef1"
}

/// The SQLite backend: opens the file, applies migrations, seeds a new database, and hands out the stores.
public final class SQLiteStorage: Sendable {
    public let database: Database
    public let stores: Stores
    /// What opening did to the schema.
    public let migrationReport: MigrationReport

    /// Opens `path` (creating it when missing). New passwords are hashed at `passwordCost` (log2 N of scrypt).
    public init(path: String, passwordCost: Int = PasswordHasher.defaultCost, migrator: Migrator = .embedded) throws {
        let database = try Database(path: path)
        do {
            migrationReport = try migrator.migrate(database)
        } catch {
            database.close()
            throw error
        }
        let activity = SQLiteActivityLog(database: database)
        self.database = database
        self.stores = Stores(
            users: SQLiteUserStore(database: database, hasher: PasswordHasher(cost: passwordCost)),
            tokens: SQLiteTokenStore(database: database),
            settings: SQLiteSettingsStore(database: database),
            journal: SQLiteDeletionJournal(database: database),
            authEvents: activity,
            sessions: activity,
            metrics: SQLiteMetricsStore(database: database),
            messageIndex: SQLiteMessageIndex(database: database), maintenance: database)
        if migrationReport.wasNew {
            try stores.users.createUser(name: SeedDefaults.userName, password: SeedDefaults.password)
            try stores.tokens.addToken(admin: SeedDefaults.adminName, token: SeedDefaults.adminToken)
        }
    }

    /// Which seed defaults still work: the server warns at every start while one does.
    public func defaultCredentialsInUse() throws -> (user: Bool, token: Bool) {
        // A plain check: unlike a login, it must not re-hash (and so change) the stored password at start-up.
        let stored = try stores.users.passwordStamp(name: SeedDefaults.userName)
        let user = stored.map { PasswordHasher().verify(SeedDefaults.password, against: $0) } ?? false
        let token = try stores.tokens.admin(forToken: SeedDefaults.adminToken) != nil
        return (user, token)
    }

    public func close() {
        database.close()
    }
}
