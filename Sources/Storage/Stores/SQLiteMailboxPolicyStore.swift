/// LOGIN-DELAY and EXPIRE state in SQLite.
final class SQLiteMailboxPolicyStore: MailboxPolicyStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    func loginState(user: String) async throws -> UserLoginState? {
        try await database.read { connection in
            let rows = try connection.query(
                """
                SELECT p.login_delay_seconds, p.expire_days, p.last_login
                FROM users u LEFT JOIN user_policies p ON p.user_id = u.id WHERE u.name = ?
                """, user)
            guard let row = rows.first else { return nil }
            return UserLoginState(
                override: UserPolicyOverride(
                    loginDelaySeconds: row.isNull(0) ? nil : row.int(0),
                    expire: row.isNull(1) ? nil : PolicyColumns.expire(row.int(1))),
                lastLogin: row.isNull(2) ? nil : row.double(2))
        }
    }

    func recordLogin(user: String, at time: Double) async throws {
        try await database.write { connection in
            try connection.run(
                """
                INSERT INTO user_policies (user_id, last_login) SELECT id, ? FROM users WHERE name = ?
                ON CONFLICT (user_id) DO UPDATE SET last_login = excluded.last_login
                """, time, user)
        }
    }

    func changePolicy(
        user: String, loginDelaySeconds: PolicyChange<Int>, expire: PolicyChange<ExpireOverride>
    ) async throws -> UserPolicyOverride? {
        try await database.write { connection in
            guard let id = try connection.query("SELECT id FROM users WHERE name = ?", user).first?.int64(0) else {
                return nil
            }
            try connection.run("INSERT INTO user_policies (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING", id)
            if let value = PolicyColumns.loginDelay(loginDelaySeconds) {
                try connection.run("UPDATE user_policies SET login_delay_seconds = ? WHERE user_id = ?", value, id)
            }
            if let value = PolicyColumns.expire(expire) {
                try connection.run("UPDATE user_policies SET expire_days = ? WHERE user_id = ?", value, id)
            }
            let row = try connection.query(
                "SELECT login_delay_seconds, expire_days FROM user_policies WHERE user_id = ?", id)[0]
            return UserPolicyOverride(
                loginDelaySeconds: row.isNull(0) ? nil : row.int(0),
                expire: row.isNull(1) ? nil : PolicyColumns.expire(row.int(1)))
        }
    }

    func overridesInUse() async throws -> PolicyOverridesInUse {
        try await database.read { connection in
            let delays = try connection.query(
                "SELECT DISTINCT login_delay_seconds FROM user_policies WHERE login_delay_seconds IS NOT NULL")
            let expires = try connection.query(
                "SELECT DISTINCT expire_days FROM user_policies WHERE expire_days IS NOT NULL")
            return PolicyOverridesInUse(
                loginDelaySeconds: Set(delays.map { $0.int(0) }),
                expire: Set(expires.map { PolicyColumns.expire($0.int(0)) }))
        }
    }

    func recordRetrievals(user: MailboxName, uidls: [String], at time: Double) async throws {
        guard !uidls.isEmpty else { return }
        try await database.write { connection in
            for uidl in uidls {
                try connection.run(
                    """
                    INSERT INTO message_retrievals (user_name, uidl, first_retrieved) VALUES (?, ?, ?)
                    ON CONFLICT (user_name, uidl) DO NOTHING
                    """, user.value, uidl, time)
            }
        }
    }

    func retrievals(user: MailboxName) async throws -> [String: Double] {
        try await database.read { connection in
            Dictionary(
                try connection.query(
                    "SELECT uidl, first_retrieved FROM message_retrievals WHERE user_name = ?", user.value
                ).map { ($0.string(0), $0.double(1)) },
                uniquingKeysWith: { first, _ in first })
        }
    }

    func forgetRetrievals(user: MailboxName, uidls: [String]) async throws {
        guard !uidls.isEmpty else { return }
        try await database.write { connection in
            for uidl in uidls {
                try connection.run(
                    "DELETE FROM message_retrievals WHERE user_name = ? AND uidl = ?", user.value, uidl)
            }
        }
    }
}
