import Testing

@testable import Client

@Suite struct DovecotImportLineTests {
    @Test func dovecotFieldsEndAtTheNextColon() {
        let lines = ImportLines(
            text: """
                ann:{SHA512-CRYPT}$6$salt$digest:1000:1000::/home/ann::
                bob:{PLAIN}secret::::::
                cy:{BLF-CRYPT}$2y$10$abc
                """
        ).numbered
        #expect(lines[0].1 == .user(name: "ann", password: "{SHA512-CRYPT}$6$salt$digest"))
        #expect(lines[1].1 == .user(name: "bob", password: "{PLAIN}secret"))
        #expect(lines[2].1 == .user(name: "cy", password: "{BLF-CRYPT}$2y$10$abc"))
    }

    @Test func plainPasswordsKeepTheirColons() {
        let lines = ImportLines(text: "dee:a:b:c\neve:{no-brace:x\nfay:{}:y\ngil:{a b}c:d\nhal:{X}y:z\n").numbered
        #expect(lines[0].1 == .user(name: "dee", password: "a:b:c"))
        #expect(lines[1].1 == .user(name: "eve", password: "{no-brace:x"))
        #expect(lines[2].1 == .user(name: "fay", password: "{}:y"))
        #expect(lines[3].1 == .user(name: "gil", password: "{a b}c:d"))
        // Any scheme-shaped name makes a Dovecot field; the server decides whether it knows the scheme.
        #expect(lines[4].1 == .user(name: "hal", password: "{X}y"))
    }

    @Test func aDovecotLineWithoutAPasswordIsInvalid() {
        #expect(ImportLines(text: "gus:\n").numbered[0].1 == .invalid(reason: "expected user:password"))
    }
}
