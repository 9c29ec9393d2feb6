import Foundation
import Testing

@testable import Storage

@Suite("Users and tokens")
struct CredentialStoreTests {
    private func open(
        _ folder: TemporaryDirectory, cost: Int = 10, firstRun: FirstRunCredentials = .none
    ) throws -> SQLiteStorage {
        try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: cost, firstRun: firstRun)
    }

    @Test func aNewDatabaseHasNoKnownCredentials() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder)
        defer { storage.close() }
        #expect(try await storage.stores.users.listUsers().isEmpty)
        #expect(try await storage.stores.tokens.listTokens().isEmpty)
        #expect(try await storage.stores.tokens.admin(forToken: SeedDefaults.adminToken) == nil)
        #expect(try await storage.defaultCredentialsInUse() == (false, false))
    }

    @Test func aNewDatabaseMayStartWithOneAdminAndItsTokenOnly() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder, firstRun: .admin(name: "admin", token: "Rnd0mT0kenABCDEF"))
        defer { storage.close() }
        #expect(try await storage.stores.tokens.admin(forToken: "Rnd0mT0kenABCDEF") == "admin")
        #expect(try await storage.stores.tokens.admin(forToken: SeedDefaults.adminToken) == nil)
        #expect(try await storage.stores.users.listUsers().isEmpty)
    }

    @Test func theQuickStartGivesANewDatabaseTheSeedDefaults() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder, firstRun: .quickStart)
        defer { storage.close() }
        #expect(try await storage.stores.users.verify(name: "foo", password: "bar") == .valid)
        #expect(try await storage.stores.tokens.admin(forToken: "123456789abcdef1") == "admin")
        #expect(try await storage.defaultCredentialsInUse() == (true, true))
    }

    @Test func firstRunCredentialsGoOnlyIntoANewDatabase() async throws {
        let folder = try TemporaryDirectory()
        try open(folder).close()
        let reopened = try open(folder, firstRun: .quickStart)
        defer { reopened.close() }
        #expect(try await reopened.stores.users.listUsers().isEmpty)
        #expect(try await reopened.defaultCredentialsInUse() == (false, false))
    }

    @Test func seedDefaultsAreNotRecreatedOnReopen() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder, firstRun: .quickStart)
        try await storage.stores.users.deleteUser(name: "foo")
        try await storage.stores.tokens.addToken(admin: "ops", token: "ponmlkjihgfedcba")
        try await storage.stores.tokens.deleteToken(admin: "admin")
        storage.close()
        let reopened = try open(folder, firstRun: .quickStart)
        defer { reopened.close() }
        #expect(try await reopened.stores.users.listUsers().isEmpty)
        #expect(try await reopened.defaultCredentialsInUse() == (false, false))
    }

    @Test func userLifecycle() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder)
        defer { storage.close() }
        let users = storage.stores.users
        try await users.createUser(name: "bob", password: "secret words")
        await #expect(throws: StorageError.alreadyExists("user bob")) {
            try await users.createUser(name: "bob", password: "other")
        }
        #expect(try await users.verify(name: "bob", password: "secret words") == .valid)
        #expect(try await users.verify(name: "bob", password: "secret word") == .invalid)
        #expect(try await users.verify(name: "bob", password: "") == .invalid)
        #expect(try await users.changePassword(name: "bob", newPassword: "new one"))
        #expect(try await users.verify(name: "bob", password: "secret words") == .invalid)
        #expect(try await users.verify(name: "bob", password: "new one") == .valid)
        #expect(try await users.changePassword(name: "nobody", newPassword: "x") == false)
        #expect(try await users.listUsers().map(\.name) == ["bob"])
        #expect(try await users.deleteUser(name: "bob"))
        #expect(try await users.deleteUser(name: "bob") == false)
        #expect(try await users.verify(name: "bob", password: "new one") == .invalid)
    }

    @Test(arguments: ["", ".hidden", "a/b", "with space", "colon:name", String(repeating: "x", count: 65), "nul\0"])
    func unsafeUserNamesAreRefused(name: String) async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder)
        defer { storage.close() }
        await #expect(throws: StorageError.self) {
            try await storage.stores.users.createUser(name: name, password: "p")
        }
    }

    @Test func theStoredHashIsAPHCStringNotThePassword() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder)
        defer { storage.close() }
        try await storage.stores.users.createUser(name: "carol", password: "hunter2hunter2")
        let stored = try await storage.database.read { connection in
            try connection.query("SELECT password_hash FROM users WHERE name = 'carol'")[0].string(0)
        }
        #expect(!stored.contains("hunter2"))
        let shape = /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+\/]{22}\$[A-Za-z0-9+\/]{43}$/
        #expect(stored.wholeMatch(of: shape) != nil, "\(stored)")
        // Two users with the same password get different salts.
        try await storage.stores.users.createUser(name: "dave", password: "hunter2hunter2")
        let hashes = try await storage.database.read { connection in
            try connection.query("SELECT DISTINCT password_hash FROM users WHERE name IN ('carol', 'dave')")
        }
        #expect(hashes.count == 2)
    }

    @Test func unknownUserAndWrongPasswordTakeComparableTime() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder, cost: 12)
        defer { storage.close() }
        let users = storage.stores.users
        try await users.createUser(name: "erin", password: "right")
        _ = try await users.verify(name: "nobody", password: "warm-up")  // the decoy hash is made once
        let clock = ContinuousClock()
        var unknown: [Duration] = []
        var wrong: [Duration] = []
        for _ in 0..<7 {
            unknown.append(try await clock.measure { _ = try await users.verify(name: "nobody", password: "guess") })
            wrong.append(try await clock.measure { _ = try await users.verify(name: "erin", password: "guess") })
        }
        // The fastest of several runs is the cost itself: a busy machine only ever adds time to a run.
        let unknownFastest = unknown.min()!
        let wrongFastest = wrong.min()!
        let ratio = Double(unknownFastest.components.attoseconds) / Double(wrongFastest.components.attoseconds)
        #expect(unknownFastest > .milliseconds(1), "an unknown user must still cost a hash")
        #expect(ratio > 0.5 && ratio < 2.0, "unknown \(unknownFastest) vs wrong \(wrongFastest)")
    }

    @Test func aLowCostHashIsUpgradedAtTheNextGoodLogin() async throws {
        let folder = try TemporaryDirectory()
        let low = try open(folder, cost: 10)
        try await low.stores.users.createUser(name: "frank", password: "pw")
        low.close()
        let high = try open(folder, cost: 11)
        defer { high.close() }
        #expect(try await high.stores.users.verify(name: "frank", password: "wrong") == .invalid)
        let before = try await high.database.read {
            try $0.query("SELECT password_hash FROM users WHERE name='frank'")[0].string(0)
        }
        #expect(before.hasPrefix("$scrypt$ln=10,"))
        #expect(try await high.stores.users.verify(name: "frank", password: "pw") == .valid)
        let after = try await high.database.read {
            try $0.query("SELECT password_hash FROM users WHERE name='frank'")[0].string(0)
        }
        #expect(after.hasPrefix("$scrypt$ln=11,"))
        #expect(try await high.stores.users.verify(name: "frank", password: "pw") == .valid)
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

    @Test func replacingATokenAddsOrUpdatesTheAdmin() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder, firstRun: .admin(name: "admin", token: "Old0ldOld0ldOld0"))
        defer { storage.close() }
        let tokens = storage.stores.tokens
        try await tokens.replaceToken(admin: "admin", token: "New0NewNew0NewNe")
        #expect(try await tokens.admin(forToken: "Old0ldOld0ldOld0") == nil)
        #expect(try await tokens.admin(forToken: "New0NewNew0NewNe") == "admin")
        try await tokens.replaceToken(admin: "ops", token: "Ops0OpsOps0OpsOp")
        #expect(try await tokens.listTokens().map(\.admin) == ["admin", "ops"])
        await #expect(throws: StorageError.self) { try await tokens.replaceToken(admin: "x", token: "short") }
    }

    @Test func tokensAreStoredHashed() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder, firstRun: .quickStart)
        defer { storage.close() }
        let tokens = storage.stores.tokens
        try await tokens.addToken(admin: "ops", token: "abcdefghijklmnop")
        #expect(try await tokens.admin(forToken: "abcdefghijklmnop") == "ops")
        #expect(try await tokens.admin(forToken: "abcdefghijklmnoq") == nil)
        #expect(try await tokens.admin(forToken: "") == nil)
        await #expect(throws: StorageError.alreadyExists("admin ops")) {
            try await tokens.addToken(admin: "ops", token: "ponmlkjihgfedcba")
        }
        await #expect(throws: StorageError.self) { try await tokens.addToken(admin: "short", token: "tooshort") }
        let stored = try await storage.database.read { connection in
            try connection.query("SELECT token_hash, token_salt FROM monitor_tokens WHERE admin = 'ops'")[0]
        }
        #expect(stored.blob(0).count == 32)
        #expect(!String(decoding: stored.blob(0), as: UTF8.self).contains("abcdefghijklmnop"))
        #expect(try await tokens.listTokens().map(\.admin) == ["admin", "ops"])
        #expect(try await tokens.deleteToken(admin: "ops"))
        #expect(try await tokens.admin(forToken: "abcdefghijklmnop") == nil)
        #expect(try await !tokens.deleteToken(admin: "ops"))
        // The last admin stays: without one, nobody could use the monitor again.
        await #expect(throws: StorageError.self) { try await tokens.deleteToken(admin: "admin") }
        #expect(try await tokens.listTokens().map(\.admin) == ["admin"])
    }

    @Test func settingsPersist() async throws {
        let folder = try TemporaryDirectory()
        let storage = try open(folder)
        try await storage.stores.settings.setValue("/srv/mail", for: .maildir)
        try await storage.stores.settings.setValue("/srv/mail2", for: .maildir)
        storage.close()
        let reopened = try open(folder)
        defer { reopened.close() }
        #expect(try await reopened.stores.settings.value(for: .maildir) == "/srv/mail2")
        #expect(try await reopened.stores.settings.allSettings() == [.maildir: "/srv/mail2"])
    }
}
