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
        "SELECT * FROM failed_logins_by_peer ORDER BY peer", "SELECT * FROM top_users_by_bytes",
    ]

    @Test func foldingKeepsEveryViewsTotalsAndBoundsTheRawTables() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        try await Self.fillHistory(storage, attempts: 6_000, sessions: 1_500)
        let before = try await Self.viewRows(storage)
        #expect(try await Self.count("auth_events", storage) == 6_050)
        #expect(try await Self.count("sessions", storage) == 1_520)

        // A cutoff inside the old range: some days are part folded, part raw, and still add up.
        let retention = storage.stores.historyRetention
        let halfway = Self.oldStart.addingTimeInterval(10.5 * Self.day)
        let firstAttempts = try await Self.foldAll(retention, before: halfway, limit: 700).attempts
        #expect(firstAttempts > 0 && firstAttempts < 6_000)
        #expect(try await Self.viewRows(storage) == before)

        // The retention's cutoff: every old row is folded, in batches of at most 700.
        let cutoff = Self.now.addingTimeInterval(-90 * Self.day)
        let folded = try await Self.foldAll(retention, before: cutoff, limit: 700)
        #expect(firstAttempts + folded.attempts == 6_000)
        #expect(folded.batches.allSatisfy { $0 <= 700 })
        #expect(try await Self.count("auth_events", storage) == 50)
        #expect(try await Self.count("sessions", storage) == 20)
        #expect(try await Self.viewRows(storage) == before)
        let totals = try await storage.database.read { connection in
            try [
                "SELECT sum(attempts), count(*) FROM auth_events_daily_by_user",
                "SELECT sum(attempts), count(*) FROM auth_events_daily_by_peer",
                "SELECT sum(sessions), count(*) FROM sessions_daily",
            ].map { try connection.query($0)[0] }
        }
        #expect(totals.map { $0.int(0) } == [6_000, 6_000, 1_500])
        // 20 days × (9 names × 4 results, 30 peers × 4 results, 6 users or none × 2 reasons) at most.
        #expect(totals[0].int(1) <= 20 * 36 && totals[1].int(1) <= 20 * 120 && totals[2].int(1) <= 20 * 12)

        // Idempotent: nothing is left to fold, and folding again changes nothing.
        #expect(try await retention.foldAuthEvents(before: cutoff, limit: 700) == 0)
        #expect(try await retention.foldSessions(endedBefore: cutoff, limit: 700) == 0)
        #expect(try await Self.viewRows(storage) == before)
    }

    @Test func aFoldThatFailsChangesNothing() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        try await Self.fillHistory(storage, attempts: 1_000, sessions: 300)
        let before = try await Self.viewRows(storage)
        // The delete after the totals fails, as a full disk or a crash would stop it.
        try await storage.database.write { connection in
            try connection.execute(
                """
                CREATE TEMP TRIGGER fail_auth BEFORE DELETE ON auth_events BEGIN SELECT RAISE(ABORT, 'disk full'); END;
                CREATE TEMP TRIGGER fail_sessions BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'disk full'); END;
                """)
        }
        let retention = storage.stores.historyRetention
        await #expect(throws: StorageError.self) { try await retention.foldAuthEvents(before: Self.now, limit: 500) }
        await #expect(throws: StorageError.self) { try await retention.foldSessions(endedBefore: Self.now, limit: 500) }
        #expect(try await Self.count("auth_events", storage) == 1_050)
        #expect(try await Self.count("sessions", storage) == 320)
        #expect(try await Self.count("auth_events_daily_by_user", storage) == 0)
        #expect(try await Self.count("auth_events_daily_by_peer", storage) == 0)
        #expect(try await Self.count("sessions_daily", storage) == 0)

        try await storage.database.write { connection in
            try connection.execute("DROP TRIGGER fail_auth; DROP TRIGGER fail_sessions;")
        }
        let folded = try await Self.foldAll(retention, before: Self.now, limit: 500)
        #expect(folded.attempts == 1_050 && folded.sessions == 320)
        #expect(try await Self.viewRows(storage) == before)
    }

    @Test func aSustainedLoginFloodDoesNotGrowTheDatabase() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let namesPerDay = 50
        try await storage.stores.users.createUser(name: "zed", password: "secret")
        let retention = SQLiteHistoryRetention(database: storage.database, namesPerDay: namesPerDay)
        let attemptsPerDay = 4_000
        let cycles = 12
        var pages: [Int] = []
        let emptyPages = try await Self.pageCount(storage)
        var oneDayUnfolded = 0
        // Each cycle is one day of flood (a new made-up name and one of 1,000 rotating addresses per attempt, one
        // refused connection per four attempts, the real user zed among them), then the retention passes that day.
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
            if cycle == 0 { oneDayUnfolded = try await Self.pageCount(storage) - emptyPages }
            let folded = try await Self.foldAll(retention, before: dayStart.addingTimeInterval(Self.day), limit: 1_000)
            #expect(folded.attempts == attemptsPerDay && folded.sessions == attemptsPerDay / 4)
            #expect(try await Self.count("auth_events", storage) == 0)
            #expect(try await Self.count("sessions", storage) == 0)
            pages.append(try await Self.pageCount(storage))
        }
        // Each day adds 50 names, zed (an existing user always keeps a row) and one row for the rest, per table.
        let perDay = try await storage.database.read { connection in
            try [
                "SELECT max(n) FROM (SELECT count(*) AS n FROM auth_events_daily_by_user GROUP BY day)",
                "SELECT max(n) FROM (SELECT count(*) AS n FROM auth_events_daily_by_peer GROUP BY day)",
                "SELECT max(n) FROM (SELECT count(*) AS n FROM sessions_daily GROUP BY day)",
            ].map { try connection.query($0)[0].int(0) }
        }
        #expect(perDay == [namesPerDay + 2, namesPerDay + 1, 1])
        // Every attempt is still counted: zed on its own, the made-up names beyond the limit as NULL.
        let logins = try await storage.database.read { connection in
            try connection.query("SELECT user, failed FROM logins_by_user WHERE user IS NULL OR user = 'zed'")
        }
        #expect(logins.map { $0.optionalString(0) } == [nil, "zed"])
        #expect(logins.map { $0.int(1) } == [cycles * (attemptsPerDay - 4 - namesPerDay), cycles * 4])
        // Folded rows free their pages for the next day's rows: after 12 days of flood the file is smaller than 2
        // days of it kept raw, and each day adds less than a tenth of its raw rows' pages (the totals' rows).
        let comment: Comment = "pages: empty \(emptyPages), one day raw \(oneDayUnfolded), after each day \(pages)"
        #expect(pages[cycles - 1] < emptyPages + 2 * oneDayUnfolded, comment)
        #expect((pages[cycles - 1] - pages[0]) * 10 < oneDayUnfolded * (cycles - 1), comment)
    }

    // MARK: - Helpers

    /// Old rows: `attempts` login attempts and `sessions` sessions over 20 days from `oldStart` (9 user names, one of
    /// them the seed user, 30 peers, every result), and 50 attempts and 20 sessions from yesterday.
    static func fillHistory(_ storage: SQLiteStorage, attempts: Int, sessions: Int) async throws {
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

    static func viewRows(_ storage: SQLiteStorage) async throws -> [[[SQLiteValue]]] {
        try await storage.database.read { connection in
            try views.map { try connection.query($0).map(\.values) }
        }
    }

    static func count(_ table: String, _ storage: SQLiteStorage) async throws -> Int {
        try await storage.database.read { try $0.query("SELECT count(*) FROM \(table)")[0].int(0) }
    }

    static func pageCount(_ storage: SQLiteStorage) async throws -> Int {
        try await storage.database.read { try $0.query("PRAGMA page_count")[0].int(0) }
    }
}
