import Testing

@testable import Maildir

@Suite struct UIDLTests {
    @Test func validBaseNameIsItsOwnUIDL() {
        #expect(UIDL.forBaseName("1700000000.M1P2.host") == "1700000000.M1P2.host")
        let seventy = String(repeating: "x", count: 70)
        #expect(UIDL.forBaseName(seventy) == seventy)
    }

    @Test(arguments: [String(repeating: "x", count: 71), "with space", "", "tab\there", "caf\u{E9}", "a\u{7F}"])
    func badOrLongBaseNameIsHashed(baseName: String) {
        let uidl = UIDL.forBaseName(baseName)
        #expect(uidl != baseName)
        #expect(uidl.utf8.count == 41)
        #expect(uidl.utf8.allSatisfy { (0x21...0x7E).contains($0) })
        #expect(UIDL.forBaseName(baseName) == uidl)
    }

    @Test func hashesDiffer() {
        let uidls = Set((0..<1000).map { UIDL.forBaseName("long name \($0) " + String(repeating: "y", count: 80)) })
        #expect(uidls.count == 1000)
    }
}
