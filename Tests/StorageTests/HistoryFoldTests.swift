import Foundation
import Testing

@testable import Storage

/// Login attempts and sessions past the retention are folded into daily totals: the raw tables stay bounded, the
/// views answer as before, a failed fold changes nothing, and a sustained login flood does not grow the file.
@Suite("History folding")
struct HistoryFoldTests {
    static let day = 86_400.0
    /// Midnight UTC, 200 days before a fixed "now", so the rows' days are the same on every run.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let oldStart = Date(timeIntervalSince1970: ((1_800_000_000 - 200 * day) / day).rounded(.down) * day)
    static let views = [
        "SELECT * FROM daily_stats", "SELECT * FROM logins_by_user",
        "SELECT * FROM failed_logins_by_peer", "SELECT * FROM top_users_by_bytes",
    ]

    @Test(arguments: BackendKind.available)
    func foldingKeepsEveryViewsTotalsAndBoundsTheRawTables(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            try await Self.fillHistory(storage, attempts: 6_000, sessions: 1_500)
            let before = try await Self.viewRows(database)
            #expect(try await database.count("auth_events") == 6_050)
            #expect(try await database.count("sessions") == 1_520)

            // A cutoff inside the old range: some days are part folded, part raw, and still add up.
            let retention = storage.stores.historyRetention
            let halfway = Self.oldStart.addingTimeInterval(10.5 * Self.day)
            let firstAttempts = try await Self.foldAll(retention, before: halfway, limit: 700).attempts
            #expect(firstAttempts > 0 && firstAttempts < 6_000)
            #expect(try await Self.viewRows(database) == before)

            // The retention's cutoff: every old row is folded, in batches of at most 700.
            let cutoff = Self.now.addingTimeInterval(-90 * Self.day)
            let folded = try await Self.foldAll(retention, before: cutoff, limit: 700)
            #expect(firstAttempts + folded.attempts == 6_000)
            #expect(folded.batches.allSatisfy { $0 <= 700 })
            #expect(try await database.count("auth_events") == 50)
            #expect(try await database.count("sessions") == 20)
            #expect(try await Self.viewRows(database) == before)
            var totals: [[String?]] = []
            for query in [
                "SELECT sum(attempts), count(*) FROM auth_events_daily_by_user",
                "SELECT sum(attempts), count(*) FROM auth_events_daily_by_peer",
                "SELECT sum(sessions), count(*) FROM sessions_daily",
            ] {
                totals += try await database.rows(query)
            }
            #expect(totals.map { $0[0] } == ["6000", "6000", "1500"])
            // 20 days × (9 names × 4 results, 30 peers × 4 results, 6 users or none × 2 reasons) at most.
            let rowCounts = totals.map { Int($0[1] ?? "") ?? .max }
            #expect(rowCounts[0] <= 20 * 36 && rowCounts[1] <= 20 * 120 && rowCounts[2] <= 20 * 12, "\(rowCounts)")

            // Idempotent: nothing is left to fold, and folding again changes nothing.
            #expect(try await retention.foldAuthEvents(before: cutoff, limit: 700) == 0)
            #expect(try await retention.foldSessions(endedBefore: cutoff, limit: 700) == 0)
            #expect(try await Self.viewRows(database) == before)
        }
    }

    @Test(arguments: BackendKind.available)
    func aFoldThatFailsChangesNothing(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            try await Self.fillHistory(storage, attempts: 1_000, sessions: 300)
            let before = try await Self.viewRows(database)
            // The delete after the totals fails, as a full disk or a crash would stop it.
            switch kind {
            case .sqlite:
                try await database.execute(
                    """
                    CREATE TEMP TRIGGER fail_auth BEFORE DELETE ON auth_events BEGIN SELECT RAISE(ABORT, 'disk full'); END;
                    CREATE TEMP TRIGGER fail_sessions BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'disk full'); END;
                    """)
            case .postgresql:
                try await database.execute(
                    """
                    CREATE FUNCTION fail_delete() RETURNS trigger LANGUAGE plpgsql
                    AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$
                    """,
                    "CREATE TRIGGER fail_auth BEFORE DELETE ON auth_events FOR EACH ROW EXECUTE FUNCTION fail_delete()",
                    "CREATE TRIGGER fail_sessions BEFORE DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION fail_delete()"
                )
            }
            let retention = storage.stores.historyRetention
            await #expect(throws: StorageError.self) {
                try await retention.foldAuthEvents(before: Self.now, limit: 500)
            }
            await #expect(throws: StorageError.self) {
                try await retention.foldSessions(endedBefore: Self.now, limit: 500)
            }
            #expect(try await database.count("auth_events") == 1_050)
            #expect(try await database.count("sessions") == 320)
            #expect(try await database.count("auth_events_daily_by_user") == 0)
            #expect(try await database.count("auth_events_daily_by_peer") == 0)
            #expect(try await database.count("sessions_daily") == 0)

            switch kind {
            case .sqlite:
                try await database.execute("DROP TRIGGER fail_auth; DROP TRIGGER fail_sessions;")
            case .postgresql:
                try await database.execute(
                    "DROP TRIGGER fail_auth ON auth_events", "DROP TRIGGER fail_sessions ON sessions")
            }
            let folded = try await Self.foldAll(retention, before: Self.now, limit: 500)
            #expect(folded.attempts == 1_050 && folded.sessions == 320)
            #expect(try await Self.viewRows(database) == before)
        }
    }

    @Test(arguments: BackendKind.available)
    func aSustainedLoginFloodDoesNotGrowTheDatabase(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            let namesPerDay = 50
            try await storage.stores.users.createUser(name: "zed", password: "secret")
            let retention = try database.historyRetention(namesPerDay: namesPerDay)
            let attemptsPerDay = 4_000
            let cycles = 12
            // The file's pages: SQLite only, as PostgreSQL's tables grow and shrink by its own vacuum.
            var pages: [Int] = []
            let emptyPages = try await Self.pageCount(database)
            var oneDayUnfolded = 0
            // Each cycle is one day of flood (a new made-up name and one of 1,000 rotating addresses per attempt, one
            // refused connection per four attempts, the real user zed among them), then the retention passes that
            // day.
            for cycle in 0..<cycles {
                let dayStart = Self.oldStart.addingTimeInterval(Double(cycle) * Self.day)
                let attempts = (0..<attemptsPerDay).map { index in
                    AuthEvent(
                        time: dayStart.addingTimeInterval(Double(index) * 20),
                        userName: index % 1_000 == 999 ? "zed" : "guess-\(cycle)-\(index)",
                        peer: "2001:db8::\(cycle):\(index % 1_000)", result: .failed)
                }
                try await storage.stores.authEvents.record(attempts)
                let refused = (0..<attemptsPerDay / 4).map { index in
                    SessionRecord(
                        sessionID: "flood-\(cycle)-\(index)", user: nil, peer: "2001:db8::\(index)",
                        startedAt: dayStart.addingTimeInterval(Double(index) * 80),
                        endedAt: dayStart.addingTimeInterval(Double(index) * 80 + 1),
                        bytesIn: 60, bytesOut: 80, retrCount: 0, topCount: 0, deleCount: 0, endReason: .dropped)
                }
                try await storage.stores.sessions.record(refused)
                if cycle == 0, let unfolded = try await Self.pageCount(database), let emptyPages {
                    oneDayUnfolded = unfolded - emptyPages
                }
                let folded = try await Self.foldAll(
                    retention, before: dayStart.addingTimeInterval(Self.day), limit: 1_000)
                #expect(folded.attempts == attemptsPerDay && folded.sessions == attemptsPerDay / 4)
                #expect(try await database.count("auth_events") == 0)
                #expect(try await database.count("sessions") == 0)
                if let count = try await Self.pageCount(database) { pages.append(count) }
            }
            // Each day adds 50 names, zed (an existing user always keeps a row) and one row for the rest, per table.
            var perDay: [Int] = []
            for table in ["auth_events_daily_by_user", "auth_events_daily_by_peer", "sessions_daily"] {
                perDay.append(
                    try await database.integer(
                        "SELECT max(n) FROM (SELECT count(*) AS n FROM \(table) GROUP BY day) AS per_day"))
            }
            #expect(perDay == [namesPerDay + 2, namesPerDay + 1, 1])
            // Every attempt is still counted: zed on its own, the made-up names beyond the limit as NULL.
            let user = database.userColumn
            let logins = try await database.rows(
                "SELECT \(user), failed FROM logins_by_user WHERE \(user) IS NULL OR \(user) = 'zed' ORDER BY failed DESC"
            )
            #expect(
                logins == [
                    [nil, String(cycles * (attemptsPerDay - 4 - namesPerDay))], ["zed", String(cycles * 4)],
                ])
            // Folded rows free their pages for the next day's rows: after 12 days of flood the file is smaller than
            // 2 days of it kept raw, and each day adds less than a tenth of its raw rows' pages (the totals' rows).
            if let emptyPages {
                let comment: Comment =
                    "pages: empty \(emptyPages), one day raw \(oneDayUnfolded), after each day \(pages)"
                #expect(pages[cycles - 1] < emptyPages + 2 * oneDayUnfolded, comment)
                #expect((pages[cycles - 1] - pages[0]) * 10 < oneDayUnfolded * (cycles - 1), comment)
            }
        }
    }

    // MARK: - Helpers

    /// Old rows: `attempts` login attempts and `sessions` sessions over 20 days from `oldStart` (9 user names, one of
    /// them the seed user, 30 peers, every result), and 50 attempts and 20 sessions from yesterday.
    static func fillHistory(_ storage: any StorageBackend, attempts: Int, sessions: Int) async throws {
        let results: [AuthResult] = [.ok, .failed, .failed, .inUse, .error]
        let span = 20 * day
        var events = (0..<attempts).map { index in
            AuthEvent(
                time: oldStart.addingTimeInterval(span * Double(index) / Double(attempts)),
                userName: index % 9 == 0 ? SeedDefaults.userName : "user\(index % 9)",
                peer: "10.0.\(index % 3).\(index % 10)",
                result: results[index % results.count])
        }
        let recent = now.addingTimeInterval(-day)
        events += (0..<50).map { AuthEvent(time: recent, userName: "user\($0 % 3)", peer: "10.9.9.9", result: .failed) }
        try await storage.stores.authEvents.record(events)
        var records = (0..<sessions).map { index in
            let start = oldStart.addingTimeInterval(span * Double(index) / Double(sessions))
            return SessionRecord(
                sessionID: "s\(index)", user: index % 6 == 0 ? nil : "user\(index % 5)", peer: "10.1.0.\(index % 7)",
                startedAt: start, endedAt: start.addingTimeInterval(Double(index % 50) * 60),
                bytesIn: Int64(index % 90),
                bytesOut: Int64(1_000 + index), retrCount: index % 4, topCount: index % 2, deleCount: index % 3,
                endReason: index % 10 == 0 ? .timeout : .quit)
        }
        records += (0..<20).map {
            SessionRecord(
                sessionID: "r\($0)", user: "user1", peer: "10.9.9.9", startedAt: recent, endedAt: recent, bytesIn: 5,
                bytesOut: 50, retrCount: 1, topCount: 0, deleCount: 1, endReason: .quit)
        }
        try await storage.stores.sessions.record(records)
    }

    /// Folds until a batch comes back short; returns the totals and each batch's size.
    static func foldAll(_ retention: any HistoryRetention, before cutoff: Date, limit: Int) async throws
        -> (attempts: Int, sessions: Int, batches: [Int])
    {
        var batches: [Int] = []
        var attempts = 0
        var sessions = 0
        while true {
            let folded = try await retention.foldAuthEvents(before: cutoff, limit: limit)
            batches.append(folded)
            attempts += folded
            if folded < limit { break }
        }
        while true {
            let folded = try await retention.foldSessions(endedBefore: cutoff, limit: limit)
            batches.append(folded)
            sessions += folded
            if folded < limit { break }
        }
        return (attempts, sessions, batches)
    }

    /// Every view's rows, each view's sorted (rows of equal totals may come in either order).
    static func viewRows(_ database: TestStorage) async throws -> [[String]] {
        var views: [[String]] = []
        for query in Self.views {
            views.append(
                try await database.rows(query).map { row in row.map { $0 ?? "NULL" }.joined(separator: "|") }.sorted())
        }
        return views
    }

    /// The SQLite file's pages; nil on PostgreSQL.
    static func pageCount(_ database: TestStorage) async throws -> Int? {
        database.kind == .sqlite ? try await database.integer("PRAGMA page_count") : nil
    }
}
