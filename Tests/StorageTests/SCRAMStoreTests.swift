import Foundation
import Testing

@testable import Storage

/// SCRAM-SHA-256 verifiers: the math against RFC 7677's example, and the rows on each backend.
@Suite("SCRAM verifiers")
struct SCRAMStoreTests {
    static let authMessage = Array(
        ("n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
            + "i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0").utf8)
    static let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==")!)
    static let proof = Array(Data(base64Encoded: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")!)

    @Test func rfc7677TestVector() throws {
        let verifier = try SCRAMVerifier.derive(password: Array("pencil".utf8), salt: Self.salt, iterations: 4096)
        #expect(verifier.accepts(proof: Self.proof, authMessage: Self.authMessage))
        #expect(
            Data(verifier.serverSignature(authMessage: Self.authMessage)).base64EncodedString()
                == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        var wrong = Self.proof
        wrong[0] ^= 1
        #expect(!verifier.accepts(proof: wrong, authMessage: Self.authMessage))
        #expect(!verifier.accepts(proof: Array(Self.proof.prefix(31)), authMessage: Self.authMessage))
        let other = try SCRAMVerifier.derive(password: Array("crayon".utf8), salt: Self.salt, iterations: 4096)
        #expect(!other.accepts(proof: Self.proof, authMessage: Self.authMessage))
        #expect(
            SCRAMVerifier.matching(proof: Self.proof, authMessage: Self.authMessage, in: [other, verifier]) == verifier)
        #expect(SCRAMVerifier.matching(proof: Self.proof, authMessage: Self.authMessage, in: [other]) == nil)
    }

    @Test func fakeSaltsAreStablePerUserAndSecret() {
        let secret = Array(repeating: UInt8(7), count: 32)
        let first = SCRAMVerifier.fakeSalt(user: "ghost", secret: secret)
        #expect(first.count == SCRAMVerifier.saltLength)
        #expect(SCRAMVerifier.fakeSalt(user: "ghost", secret: secret) == first)
        #expect(SCRAMVerifier.fakeSalt(user: "ghost2", secret: secret) != first)
        #expect(SCRAMVerifier.fakeSalt(user: "ghost", secret: Array(repeating: 8, count: 32)) != first)
    }

    @Test(arguments: BackendKind.available)
    func verifiersForPasswordAndAppPasswordsShareTheSalt(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open(passwordCost: 10)
            let users = storage.stores.users
            let scram = storage.stores.scram
            try await users.createUser(name: "sam", password: "first password")
            #expect(try await scram.scramCredentials(user: "sam") == nil)
            #expect(try await scram.scramCredentials(user: "nobody") == nil)

            try await scram.keepSCRAMVerifier(user: "sam", password: Array("first password".utf8), iterations: 4096)
            try await scram.keepSCRAMVerifier(user: "sam", password: Array("first password".utf8), iterations: 4096)
            let first = try #require(try await scram.scramCredentials(user: "sam"))
            #expect(first.iterations == 4096 && first.salt.count == SCRAMVerifier.saltLength)
            #expect(first.verifiers.count == 1)
            let expected = try SCRAMVerifier.derive(
                password: Array("first password".utf8), salt: first.salt, iterations: 4096)
            #expect(first.verifiers == [expected])

            let app = try await storage.stores.appPasswords.addAppPassword(user: "sam", label: "phone")
            try await scram.keepSCRAMVerifier(user: "sam", password: Array(app.utf8), iterations: 8192)
            let withApp = try #require(try await scram.scramCredentials(user: "sam"))
            #expect(withApp.salt == first.salt && withApp.iterations == 4096)
            #expect(withApp.verifiers.count == 2)

            // A new password drops the old password's verifier, not the app password's.
            #expect(try await users.changePassword(name: "sam", newPassword: "second password"))
            let changed = try #require(try await scram.scramCredentials(user: "sam"))
            #expect(changed.verifiers.count == 1 && !changed.verifiers.contains(expected))
            try await scram.keepSCRAMVerifier(user: "sam", password: Array("second password".utf8), iterations: 4096)
            #expect(try await scram.scramCredentials(user: "sam")?.verifiers.count == 2)

            // Revoking the app password removes its verifier; deleting the user removes the rest.
            #expect(try await storage.stores.appPasswords.revokeAppPassword(user: "sam", label: "phone"))
            #expect(try await scram.scramCredentials(user: "sam")?.verifiers.count == 1)
            #expect(try await users.deleteUser(name: "sam"))
            #expect(try await scram.scramCredentials(user: "sam") == nil)

            let secret = try await scram.scramSecret()
            #expect(secret.count == 32)
            #expect(try await scram.scramSecret() == secret)
        }
    }
}
