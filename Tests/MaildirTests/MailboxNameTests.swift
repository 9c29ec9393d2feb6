import Storage
import Testing

@testable import Maildir

@Suite struct MailboxNameTests {
    @Test(arguments: ["alice", "bob.smith", "a", "user@example.org", "j\u{FC}rgen", String(repeating: "a", count: 64)])
    func acceptsSafeNames(name: String) {
        #expect(MailboxName(name)?.value == name)
    }

    @Test(arguments: [
        "", ".", "..", "../x", ".hidden", "a/b", "/abs", "a\0b", "\0", "tab\tx", "line\nbreak", "del\u{7F}",
        "c1\u{85}", "zero\u{200B}width", String(repeating: "a", count: 65), String(repeating: "\u{E9}", count: 33),
    ])
    func rejectsUnsafeNames(name: String) {
        #expect(MailboxName(name) == nil)
    }
}
