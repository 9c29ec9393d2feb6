import Testing

@testable import POP3Core

@Suite struct POP3ResponseTests {
    private func wire(_ response: POP3Response) -> String {
        String(decoding: response.encoded(), as: UTF8.self)
    }

    @Test func singleLines() {
        #expect(wire(.ok("2 320")) == "+OK 2 320\r\n")
        #expect(wire(.ok("")) == "+OK\r\n")
        #expect(wire(.err(nil, "No such message.")) == "-ERR No such message.\r\n")
        #expect(wire(.err(.inUse, "locked")) == "-ERR [IN-USE] locked\r\n")
        #expect(wire(.err(.sysTemp, "x")) == "-ERR [SYS/TEMP] x\r\n")
        #expect(wire(.err(.loginDelay, "x")) == "-ERR [LOGIN-DELAY] x\r\n")
        #expect(wire(.continuation("")) == "+ \r\n")
        #expect(wire(.continuation("abc=")) == "+ abc=\r\n")
    }

    @Test func multilineIsByteStuffedAndTerminated() {
        let text = wire(.multiline("follows", ["TOP", ".hidden", "..", "", "a.b"]))
        #expect(text == "+OK follows\r\nTOP\r\n..hidden\r\n...\r\n\r\na.b\r\n.\r\n")
        #expect(wire(.multiline("", [])) == "+OK\r\n.\r\n")
    }

    @Test func controlCharactersCannotBreakLines() {
        #expect(wire(.ok("a\r\n+OK b")) == "+OK a  +OK b\r\n")
        #expect(wire(.multiline("x", ["a\nb", "\r.c"])) == "+OK x\r\na b\r\n .c\r\n.\r\n")
    }

    @Test func firstLineIsCappedAt512Octets() {
        let long = String(repeating: "x", count: 2_000)
        let bytes = POP3Response.err(.sysTemp, long).encoded()
        #expect(bytes.count == 512)
        #expect(bytes.suffix(2) == [13, 10])
        #expect(POP3Response.ok(String(repeating: "y", count: 507)).encoded().count == 512)
        #expect(POP3Response.ok(String(repeating: "y", count: 506)).encoded().count == 512)
        #expect(POP3Response.ok(String(repeating: "y", count: 505)).encoded().count == 511)
        let lines = POP3Response.multiline("x", [long]).encoded()
        #expect(lines.count == "+OK x\r\n".utf8.count + 512 + 3)
    }

    @Test func cappingNeverSplitsAUTF8Sequence() {
        let text = String(repeating: "\u{E9}", count: 400)  // two octets each
        let bytes = POP3Response.ok(text).encoded()
        #expect(bytes.count <= 512)
        #expect(String(validating: bytes, as: UTF8.self) != nil)
    }
}
