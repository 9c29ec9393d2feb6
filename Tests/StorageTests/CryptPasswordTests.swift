import Foundation
import Testing

@testable import Storage

@Suite("Crypt hashes imported from Dovecot")
struct CryptPasswordTests {
    private let hasher = PasswordHasher(cost: 10)

    /// Stored forms of real hashes of `password`, one per scheme.
    private func storedHashes(of password: String) throws -> [(CryptScheme, String)] {
        [
            (.sha512, "{SHA512-CRYPT}" + (try CryptHashTools.sha(password, bits: 512))),
            (.sha256, "{SHA256-CRYPT}" + (try CryptHashTools.sha(password, bits: 256))),
            (.blowfish, "{BLF-CRYPT}" + (try CryptHashTools.bcrypt(password))),
        ]
    }

    @Test func realHashesVerifyTheirPasswordOnly() async throws {
        for (scheme, stored) in try storedHashes(of: "correct horse") {
            let hash = try #require(CryptHash(stored: stored), "\(stored)")
            #expect(hash.scheme == scheme)
            #expect(hash.stored == stored)
            #expect(hasher.verify("correct horse", against: stored), "\(scheme)")
            #expect(!hasher.verify("correct hors", against: stored), "\(scheme)")
            #expect(!hasher.verify("correct horse ", against: stored), "\(scheme)")
            #expect(!hasher.verify("", against: stored), "\(scheme)")
            #expect(!hasher.verify("correct horse\0", against: stored), "\(scheme)")
            #expect(hasher.needsRehash(stored), "crypt hashes are replaced at the next good login")
        }
    }

    @Test func sha512WithExplicitRoundsVerifies() throws {
        let hash = try CryptHashTools.sha("pw", bits: 512)
        // openssl writes no rounds field (5,000 implied); the same salt and digest under rounds=6000 is well formed
        // but must not verify, or the rounds field would be ignored.
        let salted = hash.replacingOccurrences(of: "$6$", with: "$6$rounds=6000$")
        #expect(CryptHash(stored: "{SHA512-CRYPT}" + salted) != nil)
        #expect(!hasher.verify("pw", against: "{SHA512-CRYPT}" + salted), "the digest belongs to 5,000 rounds")
    }

    @Test func schemeNamesAreCaseInsensitiveLikeDovecots() throws {
        let hash = try CryptHashTools.sha("pw", bits: 256)
        #expect(
            try ImportedPassword(field: "{sha256-crypt}" + hash)
                == .crypt(#require(CryptHash(stored: "{SHA256-CRYPT}" + hash))))
        #expect(try ImportedPassword(field: "{plain}pw") == .plain("pw"))
        #expect(try ImportedPassword(field: "{CLEARTEXT}a:b") == .plain("a:b"))
    }

    @Test func fieldsWithoutASchemeArePlainPasswords() async throws {
        for field in ["secret", "{", "{}x", "{a b}c", "{unterminated", "x{PLAIN}y"] {
            #expect(try ImportedPassword(field: field) == .plain(field))
        }
    }

    @Test func unknownSchemesAndMalformedHashesAreRefused() throws {
        let sha512 = try CryptHashTools.sha("pw", bits: 512)
        let sha256 = try CryptHashTools.sha("pw", bits: 256)
        let bcrypt = try CryptHashTools.bcrypt("pw")
        let refused = [
            "{MD5-CRYPT}$1$abc$def", "{SSHA256}abc", "{CRYPT}abJnggxhB/yWI", "{PLAIN}",
            "{SHA512-CRYPT}" + sha256,  // scheme and hash disagree
            "{SHA256-CRYPT}" + sha512,
            "{BLF-CRYPT}" + sha512,
            "{SHA512-CRYPT}" + sha512.dropLast(),  // truncated digest
            "{SHA512-CRYPT}" + sha512 + ":1000:1000",  // trailing passwd-file fields
            "{SHA512-CRYPT}" + sha512.replacingOccurrences(of: "$6$", with: "$6$rounds=999999999$"),
            "{SHA512-CRYPT}" + sha512.replacingOccurrences(of: "$6$", with: "$6$rounds=10$"),
            "{BLF-CRYPT}" + bcrypt.replacingOccurrences(of: "$05$", with: "$31$"),  // days per attempt
            "{BLF-CRYPT}" + bcrypt.replacingOccurrences(of: "$2y$", with: "$2x$"),
            "{SHA512-CRYPT}abJnggxhB/yWI",  // DES: crypt_r would accept it
            "{SHA512-CRYPT}",
        ]
        for field in refused {
            #expect(throws: StorageError.self, "\(field)") { try ImportedPassword(field: field) }
            #expect(!PasswordHasher.canVerify(String(field.drop(while: { $0 != "}" }).dropFirst())))
        }
    }

    @Test(arguments: BackendKind.available)
    func importedUsersLogInAndAreUpgradedToScrypt(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let users = try await database.open(passwordCost: 10).stores.users
            let password = "pw \(UUID())"
            for (index, (_, stored)) in try storedHashes(of: password).enumerated() {
                let name = "user\(index)"
                try await users.importUser(name: name, passwordHash: stored)
                #expect(try await storedHash(database, name) == stored)
                #expect(try await users.verify(name: name, password: "wrong") == .invalid)
                #expect(try await storedHash(database, name) == stored, "a failed login keeps the imported hash")
                #expect(try await users.verify(name: name, password: password) == .valid)
                let upgraded = try await storedHash(database, name)
                #expect(upgraded?.hasPrefix("$scrypt$ln=10,") == true)
                #expect(!hasher.needsRehash(upgraded ?? ""))
                #expect(try await users.verify(name: name, password: password) == .valid)
                #expect(try await users.verify(name: name, password: "wrong") == .invalid)
            }
        }
    }

    @Test(arguments: BackendKind.available)
    func importRefusesWhatItCannotVerifyAndTakenNames(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let users = try await database.open(passwordCost: 10).stores.users
            for hash in ["plain text", "$6$salt$short", "{SHA512-CRYPT}$6$salt$short", "{PLAIN}pw", ""] {
                await #expect(throws: StorageError.self, "\(hash)") {
                    try await users.importUser(name: "ann", passwordHash: hash)
                }
            }
            let scrypt = try hasher.hash("pw")
            try await users.importUser(name: "ann", passwordHash: scrypt)
            #expect(try await users.verify(name: "ann", password: "pw") == .valid)
            await #expect(throws: StorageError.alreadyExists("user ann")) {
                try await users.importUser(name: "ann", passwordHash: scrypt)
            }
            await #expect(throws: StorageError.self) { try await users.importUser(name: "../x", passwordHash: scrypt) }
            #expect(try await users.listUsers().map(\.name) == ["ann"])
        }
    }

    private func storedHash(_ database: TestStorage, _ name: String) async throws -> String? {
        try await database.rows("SELECT password_hash FROM users WHERE name = '\(name)'").first?.first ?? nil
    }
}
