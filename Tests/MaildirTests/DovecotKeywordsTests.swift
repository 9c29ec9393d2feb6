import Testing

@testable import Maildir

@Suite struct DovecotKeywordsTests {
    @Test func lettersFollowTheIndex() {
        let file = DovecotKeywords(parsing: Array("0 $Junk\n1 $POP3Deleted\n25 Last\nbad line\n30 TooFar\n".utf8))
        #expect(file.letter(of: "$Junk") == UInt8(ascii: "a"))
        #expect(file.letter(of: "$POP3Deleted") == UInt8(ascii: "b"))
        #expect(file.letter(of: "Last") == UInt8(ascii: "z"))
        #expect(file.letter(of: "TooFar") == nil)
        #expect(file.letter(of: "missing") == nil)
        #expect(String(decoding: file.serialized, as: UTF8.self) == "0 $Junk\n1 $POP3Deleted\n25 Last\n")
    }

    @Test func flagsStayInASCIIOrderAndNeverGainT() {
        let letter = UInt8(ascii: "b")
        #expect(MaildirFlags.adding(letter, to: "1.M1.host:2,S") == "1.M1.host:2,Sb")
        #expect(MaildirFlags.adding(letter, to: "1.M1.host:2,Sac") == "1.M1.host:2,Sabc")
        #expect(MaildirFlags.adding(letter, to: "1.M1.host:2,b") == "1.M1.host:2,b")
        #expect(MaildirFlags.adding(letter, to: "1.M1.host") == "1.M1.host:2,b")
        #expect(MaildirFlags.contains(letter, in: "1.M1.host:2,RSb"))
        #expect(!MaildirFlags.contains(letter, in: "1.M1.host:2,RS"))
        #expect(!MaildirFlags.contains(letter, in: "1.M1.b"))
    }

    @Test func theKeywordIsAddedOnceNextToOthers() throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let directory = maildir.root
        #expect(try DovecotKeywords.letter(of: "$POP3Deleted", addingTo: directory) == UInt8(ascii: "a"))
        #expect(try DovecotKeywords.letter(of: "$POP3Deleted", addingTo: directory) == UInt8(ascii: "a"))
        #expect(try DovecotKeywords.read(maildrop: directory).letter(of: "$POP3Deleted") == UInt8(ascii: "a"))
    }
}
