import Foundation
import Testing

@testable import Storage

@Suite("Users and tokens")
struct CredentialStoreTests {
    @Test(arguments: BackendKind.available)
    func aNewDatabaseHasNoKnownCredentials(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            #expect(try await storage.stores.users.listUsers().isEmpty)
            #expect(try await storage.stores.tokens.listTokens().isEmpty)
            #expect(try await storage.stores.tokens.admin(forToken: SeedDefaults.adminToken) == nil)
            #expect(try await storage.defaultCredentialsInUse() == (false, false))
        }
    }

    @Test(arguments: BackendKind.available)
    func aNewDatabaseMayStartWithOneAdminAndItsTokenOnly(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open(firstRun: .admin(name: "admin", token: "Rnd0mT0kenABCDEF"))
            #expect(storage.migrationReport.wasNew)
            #expect(try await storage.stores.tokens.admin(forToken: "Rnd0mT0kenABCDEF") == "admin")
            #expect(try await storage.stores.tokens.admin(forToken: SeedDefaults.adminToken) == nil)
            #expect(try await storage.stores.users.listUsers().isEmpty)
        }
    }

    @Test(arguments: BackendKind.available)
    func theQuickStartGivesANewDatabaseTheSeedDefaults(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open(firstRun: .quickStart)
            #expect(try await storage.stores.users.verify(name: "foo", password: "bar") == .valid)
            #expect(try await storage.stores.tokens.admin(forToken: "123456789abcdef1") == "admin")
            #expect(try await storage.defaultCredentialsInUse() == (true, true))
        }
    }

    @Test(arguments: BackendKind.available)
    func firstRunCredentialsGoOnlyIntoANewDatabase(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            await database.close(try await database.open())
            let reopened = try await database.open(firstRun: .quickStart)
            #expect(!reopened.migrationReport.wasNew)
            #expect(try await reopened.stores.users.listUsers().isEmpty)
            #expect(try await reopened.defaultCredentialsInUse() == (false, false))
        }
    }

    @Test(arguments: BackendKind.available)
    func seedDefaultsAreNotRecreatedOnReopen(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open(firstRun: .quickStart)
            try await storage.stores.users.deleteUser(name: "foo")
            try await storage.stores.tokens.addToken(admin: "ops", token: "ponmlkjihgfedcba")
            try await storage.stores.tokens.deleteToken(admin: "admin")
            await database.close(storage)
            let reopened = try await database.open(firstRun: .quickStart)
            #expect(try await reopened.stores.users.listUsers().isEmpty)
            #expect(try await reopened.defaultCredentialsInUse() == (false, false))
        }
    }

    @Test(arguments: BackendKind.available)
    func userLifecycle(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let users = try await database.open().stores.users
            try await users.createUser(name: "bob", password: "secret words")
            await #expect(throws: StorageError.alreadyExists("user bob")) {
                try await users.createUser(name: "bob", password: "other")
            }
            #expect(try await users.verify(name: "bob", password: "secret words") == .valid)
            #expect(try await users.verify(name: "bob", password: "secret word") == .invalid)
            #expect(try await users.verify(name: "bob", password: "") == .invalid)
            let stamp = try await users.passwordStamp(name: "bob")
            #expect(try await users.changePassword(name: "bob", newPassword: "new one"))
            #expect(try await users.passwordStamp(name: "bob") != stamp)
            #expect(try await users.verify(name: "bob", password: "secret words") == .invalid)
            #expect(try await users.verify(name: "bob", password: "new one") == .valid)
            #expect(try await users.changePassword(name: "nobody", newPassword: "x") == false)
            #expect(try await users.listUsers().map(\.name) == ["bob"])
            #expect(try await users.deleteUser(name: "bob"))
            #expect(try await users.deleteUser(name: "bob") == false)
            #expect(try await users.passwordStamp(name: "bob") == nil)
            #expect(try await users.verify(name: "bob", password: "new one") == .invalid)
        }
    }

    @Test(arguments: BackendKind.available)
    func unsafeUserNamesAreRefused(kind: BackendKind) async throws {
        let names = ["", ".hidden", "a/b", "with space", "colon:name", String(repeating: "x", count: 65), "nul\0"]
        let hash = try PasswordHasher(cost: 10).hash("p")
        try await TestStorage.with(kind) { database in
            let users = try await database.open().stores.users
            for name in names {
                await #expect(throws: StorageError.self, "\(name.debugDescription)") {
                    try await users.createUser(name: name, password: "p")
                }
                await #expect(throws: StorageError.self, "\(name.debugDescription)") {
                    try await users.importUser(name: name, passwordHash: hash)
                }
            }
            #expect(try await users.listUsers().isEmpty)
        }
    }

    @Test(arguments: BackendKind.available)
    func theStoredHashIsAPHCStringNotThePassword(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let users = try await database.open().stores.users
            try await users.createUser(name: "carol", password: "hunter2hunter2")
            let stored = try #require(
                try await database.rows("SELECT password_hash FROM users WHERE name = 'carol'")
                    .first?.first ?? nil)
            #expect(!stored.contains("hunter2"))
            let shape = /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+\/]{22}\$[A-Za-z0-9+\/]{43}$/
            #expect(stored.wholeMatch(of: shape) != nil, "\(stored)")
            // Two users with the same password get different salts.
            try await users.createUser(name: "dave", password: "hunter2hunter2")
            let hashes = try await database.rows(
                "SELECT DISTINCT password_hash FROM users WHERE name IN ('carol', 'dave')")
            #expect(hashes.count == 2)
        }
    }

    @Test(arguments: BackendKind.available)
    func unknownUserAndWrongPasswordTakeComparableTime(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let users = try await database.open(passwordCost: 12).stores.users
            try await users.createUser(name: "erin", password: "right")
            _ = try await users.verify(name: "nobody", password: "warm-up")  // the decoy hash is made once
            let clock = ContinuousClock()
            // Pairs of one of each, taken back to back (in turns, which goes first), so both halves of a pair meet
            // the same load; a busy machine stretches pairs, not the ratio within one.
            var ratios: [Double] = []
            var fastestUnknown = Duration.seconds(60)
            for round in 0..<15 {
                func measure(_ name: String) async throws -> Duration {
                    try await clock.measure { _ = try await users.verify(name: name, password: "guess") }
                }
                let unknown: Duration
                let wrong: Duration
                if round % 2 == 0 {
                    unknown = try await measure("nobody")
                    wrong = try await measure("erin")
                } else {
                    wrong = try await measure("erin")
                    unknown = try await measure("nobody")
                }
                ratios.append(unknown / wrong)
                fastestUnknown = min(fastestUnknown, unknown)
            }
            let median = ratios.sorted()[ratios.count / 2]
            #expect(fastestUnknown > .milliseconds(1), "an unknown user must still cost a hash")
            #expect(median > 0.5 && median < 2.0, "unknown/wrong per pair: \(ratios)")
        }
    }

    @Test(arguments: BackendKind.available)
    func aLowCostHashIsUpgradedAtTheNextGoodLogin(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let low = try await database.open(passwordCost: 10)
            try await low.stores.users.createUser(name: "frank", password: "pw")
            await database.close(low)
            let high = try await database.open(passwordCost: 11)
            let storedHash = "SELECT password_hash FROM users WHERE name = 'frank'"
            #expect(try await high.stores.users.verify(name: "frank", password: "wrong") == .invalid)
            let before = try await database.rows(storedHash)
            #expect(before.first?.first??.hasPrefix("$scrypt$ln=10,") == true, "\(before)")
            #expect(try await high.stores.users.verify(name: "frank", password: "pw") == .valid)
            let after = try await database.rows(storedHash)
            #expect(after.first?.first??.hasPrefix("$scrypt$ln=11,") == true, "\(after)")
            #expect(try await high.stores.users.verify(name: "frank", password: "pw") == .valid)
        }
    }

    @Test func theDefaultCostWorksAndIsMeasured() throws {
        let hasher = PasswordHasher()
        #expect(hasher.cost == 15)
        let clock = ContinuousClock()
        var hash = ""
        let elapsed = try clock.measure { hash = try hasher.hash("correct horse") }
        #expect(hash.hasPrefix("$scrypt$ln=15,r=8,p=1$"))
        #expect(hasher.verify("correct horse", against: hash))
        #expect(!hasher.verify("correct horsf", against: hash))
        #expect(!hasher.needsRehash(hash))
        #expect(PasswordHasher(cost: 16).needsRehash(hash))
        print("scrypt ln=15 r=8 p=1 hash took \(elapsed)")
    }

    @Test(arguments: [
        "", "plain", "$scrypt$ln=99,r=8,p=1$AAAA$AAAA", "$scrypt$ln=10,r=8,p=1$!!$??", "$argon2id$v=19$x$y",
    ])
    func malformedStoredHashesNeverVerify(stored: String) {
        #expect(!PasswordHasher(cost: 10).verify("anything", against: stored))
        #expect(PasswordHasher(cost: 10).needsRehash(stored))
    }

    @Test(arguments: BackendKind.available)
    func replacingATokenAddsOrUpdatesTheAdmin(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open(firstRun: .admin(name: "admin", token: "Old0ldOld0ldOld0"))
            let tokens = storage.stores.tokens
            try await tokens.replaceToken(admin: "admin", token: "New0NewNew0NewNe")
            #expect(try await tokens.admin(forToken: "Old0ldOld0ldOld0") == nil)
            #expect(try await tokens.admin(forToken: "New0NewNew0NewNe") == "admin")
            try await tokens.replaceToken(admin: "ops", token: "Ops0OpsOps0OpsOp")
            #expect(try await tokens.listTokens().map(\.admin) == ["admin", "ops"])
            await #expect(throws: StorageError.self) { try await tokens.replaceToken(admin: "x", token: "short") }
        }
    }

    @Test(arguments: BackendKind.available)
    func tokensAreStoredHashed(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open(firstRun: .quickStart)
            let tokens = storage.stores.tokens
            try await tokens.addToken(admin: "ops", token: "abcdefghijklmnop")
            #expect(try await tokens.admin(forToken: "abcdefghijklmnop") == "ops")
            #expect(try await tokens.admin(forToken: "abcdefghijklmnoq") == nil)
            #expect(try await tokens.admin(forToken: "") == nil)
            await #expect(throws: StorageError.alreadyExists("admin ops")) {
                try await tokens.addToken(admin: "ops", token: "ponmlkjihgfedcba")
            }
            await #expect(throws: StorageError.self) { try await tokens.addToken(admin: "short", token: "tooshort") }
            let stored = try await database.rows(
                "SELECT length(token_hash), length(token_salt), token_hash FROM monitor_tokens WHERE admin = 'ops'")
            #expect(stored.first?[0] == "32")
            #expect(stored.first?[1] != "0")
            let tokenInHex = Array("abcdefghijklmnop".utf8).map { String(format: "%02x", $0) }.joined()
            #expect(stored.first?[2]?.contains(tokenInHex) == false)
            #expect(try await tokens.listTokens().map(\.admin) == ["admin", "ops"])
            #expect(try await tokens.deleteToken(admin: "ops"))
            #expect(try await tokens.admin(forToken: "abcdefghijklmnop") == nil)
            #expect(try await !tokens.deleteToken(admin: "ops"))
            // The last admin stays: without one, nobody could use the monitor again.
            await #expect(throws: StorageError.self) { try await tokens.deleteToken(admin: "admin") }
            #expect(try await tokens.listTokens().map(\.admin) == ["admin"])
        }
    }

    /// Two admins removing each other at once: one removal wins, the other finds the last admin and is refused.
    @Test(arguments: BackendKind.available)
    func twoRemovalsAtOnceLeaveOneAdmin(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let tokens = try await database.open(firstRun: .admin(name: "ann", token: "Ann0AnnAnn0AnnAn")).stores.tokens
            for round in 0..<10 {
                try await tokens.addToken(admin: "bea", token: "Bea0BeaBea0Bea\(round)x")
                // nil: refused as the last admin.
                async let first = try? await tokens.deleteToken(admin: "ann")
                async let second = try? await tokens.deleteToken(admin: "bea")
                let results = await [first, second]
                #expect(results.filter { $0 == true }.count == 1, "round \(round): \(results)")
                #expect(results.filter { $0 == nil }.count == 1, "round \(round): \(results)")
                let left = try await tokens.listTokens().map(\.admin)
                #expect(left.count == 1, "round \(round): \(left)")
                if left == ["bea"] {
                    // Back to ann alone for the next round.
                    try await tokens.addToken(admin: "ann", token: "Ann0AnnAnn0AnnAn")
                    try await tokens.deleteToken(admin: "bea")
                }
            }
        }
    }

    @Test(arguments: BackendKind.available)
    func settingsPersist(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            #expect(try await storage.stores.settings.value(for: .maildir) == nil)
            try await storage.stores.settings.setValue("/srv/mail", for: .maildir)
            try await storage.stores.settings.setValue("/srv/mail2", for: .maildir)
            await database.close(storage)
            let reopened = try await database.open()
            #expect(try await reopened.stores.settings.value(for: .maildir) == "/srv/mail2")
            #expect(try await reopened.stores.settings.allSettings() == [.maildir: "/srv/mail2"])
        }
    }

    /// A key a newer pop3d wrote is kept in the table but left out of what this one reads.
    @Test(arguments: BackendKind.available)
    func unknownSettingKeysAreLeftOut(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let settings = try await database.open().stores.settings
            try await settings.setValue("/srv/mail", for: .maildir)
            try await database.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('from_the_future', 'x', 0)")
            #expect(try await settings.allSettings() == [.maildir: "/srv/mail"])
            #expect(try await database.count("settings") == 2)
        }
    }
}
