import PostgresNIO
import Storage

/// LOGIN-DELAY and EXPIRE state in PostgreSQL, shared by every node: a login on any node counts for LOGIN-DELAY.
final class PostgresMailboxPolicyStore: MailboxPolicyStore {
    private let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func loginState(user: String) async throws -> UserLoginState? {
        guard
            let row = try await pool.rows(
                """
                SELECT p.login_delay_seconds::int8, p.expire_days::int8, p.last_login
                FROM users u LEFT JOIN user_policies p ON p.user_id = u.id WHERE u.name = \(user)
                """
            ).first
        else { return nil }
        let (delay, expire, lastLogin) = try row.decode((Int?, Int?, Double?).self)
        return UserLoginState(
            override: UserPolicyOverride(loginDelaySeconds: delay, expire: expire.map(PolicyColumns.expire)),
            lastLogin: lastLogin)
    }

    func recordLogin(user: String, at time: Double) async throws {
        try await pool.rows(
            """
            INSERT INTO user_policies (user_id, last_login) SELECT id, \(time) FROM users WHERE name = \(user)
            ON CONFLICT (user_id) DO UPDATE SET last_login = excluded.last_login
            """)
    }

    func changePolicy(
        user: String, loginDelaySeconds: PolicyChange<Int>, expire: PolicyChange<ExpireOverride>
    ) async throws -> UserPolicyOverride? {
        let delay = PolicyColumns.loginDelay(loginDelaySeconds)
        let days = PolicyColumns.expire(expire)
        // A flag per column says whether to change it, so one statement serves every combination.
        let rows = try await pool.rows(
            """
            INSERT INTO user_policies (user_id, login_delay_seconds, expire_days)
            SELECT id, \(delay ?? nil)::int4, \(days ?? nil)::int4 FROM users WHERE name = \(user)
            ON CONFLICT (user_id) DO UPDATE SET
                login_delay_seconds = CASE WHEN \(delay != nil) THEN excluded.login_delay_seconds
                    ELSE user_policies.login_delay_seconds END,
                expire_days = CASE WHEN \(days != nil) THEN excluded.expire_days ELSE user_policies.expire_days END
            RETURNING login_delay_seconds::int8, expire_days::int8
            """)
        guard let row = rows.first else { return nil }
        let (newDelay, newExpire) = try row.decode((Int?, Int?).self)
        return UserPolicyOverride(loginDelaySeconds: newDelay, expire: newExpire.map(PolicyColumns.expire))
    }

    func overridesInUse() async throws -> PolicyOverridesInUse {
        var inUse = PolicyOverridesInUse()
        for row in try await pool.rows(
            """
            SELECT DISTINCT login_delay_seconds::int8, expire_days::int8 FROM user_policies
            WHERE login_delay_seconds IS NOT NULL OR expire_days IS NOT NULL
            """)
        {
            let (delay, expire) = try row.decode((Int?, Int?).self)
            if let delay { inUse.loginDelaySeconds.insert(delay) }
            if let expire { inUse.expire.insert(PolicyColumns.expire(expire)) }
        }
        return inUse
    }

    func recordRetrievals(user: MailboxName, uidls: [String], at time: Double) async throws {
        guard !uidls.isEmpty else { return }
        try await pool.rows(
            """
            INSERT INTO message_retrievals (user_name, uidl, first_retrieved)
            SELECT \(user.value), u, \(time) FROM unnest(\(uidls)::text[]) AS u
            ON CONFLICT (user_name, uidl) DO NOTHING
            """)
    }

    func retrievals(user: MailboxName) async throws -> [String: Double] {
        var times: [String: Double] = [:]
        for row in try await pool.rows(
            "SELECT uidl, first_retrieved FROM message_retrievals WHERE user_name = \(user.value)")
        {
            let (uidl, time) = try row.decode((String, Double).self)
            times[uidl] = time
        }
        return times
    }

    func forgetRetrievals(user: MailboxName, uidls: [String]) async throws {
        guard !uidls.isEmpty else { return }
        try await pool.rows(
            "DELETE FROM message_retrievals WHERE user_name = \(user.value) AND uidl = ANY(\(uidls)::text[])")
    }
}
