import Testing

@testable import POP3Core

@Suite struct POP3CommandParserTests {
    private func parse(_ line: String) -> Result<POP3Command, POP3ParseError> {
        POP3CommandParser.parse(Array(line.utf8))
    }

    @Test(arguments: [
        ("QUIT", POP3Command.quit), ("stat", .stat), ("NoOp", .noop), ("rset", .rset), ("capa", .capa),
        ("STLS", .stls), ("LIST", .list(nil)), ("list 2", .list(2)), ("UIDL", .uidl(nil)), ("uidl 07", .uidl(7)),
        ("RETR 1", .retr(1)), ("dele 3", .dele(3)), ("TOP 1 0", .top(1, 0)), ("top 2 10", .top(2, 10)),
        ("USER alice", .user("alice")), ("user Bob", .user("Bob")), ("STAT ", .stat), ("LIST  2", .list(2)),
        ("AUTH", .auth(mechanism: nil, initialResponse: nil)),
        ("auth plain", .auth(mechanism: "PLAIN", initialResponse: nil)),
        ("AUTH PLAIN AGFsaWNlAHNlY3JldA==", .auth(mechanism: "PLAIN", initialResponse: "AGFsaWNlAHNlY3JldA==")),
        ("AUTH PLAIN =", .auth(mechanism: "PLAIN", initialResponse: "=")),
        ("APOP mrose c4c9334bac560ecc979e58001b3e22fb", .apop("mrose", "c4c9334bac560ecc979e58001b3e22fb")),
    ])
    func parsesCommands(line: String, expected: POP3Command) {
        #expect(parse(line) == .success(expected))
    }

    @Test func passKeepsTheRestOfTheLineWithSpaces() {
        #expect(parse("PASS  my secret pass ") == .success(.pass(Array(" my secret pass ".utf8))))
        #expect(parse("pass x") == .success(.pass(Array("x".utf8))))
        #expect(parse("PASS ") == .success(.pass([])))
        #expect(parse("PASS") == .failure(.badArgument(.pass)))
        let binary: [UInt8] = Array("PASS ".utf8) + [0, 0xFF, 0x20, 0xC3]
        #expect(POP3CommandParser.parse(binary) == .success(.pass([0, 0xFF, 0x20, 0xC3])))
    }

    @Test(arguments: ["LIST 0", "LIST -1", "LIST 99999999999999999999", "LIST abc", "LIST 1x", "LIST +1"])
    func badMessageNumbersAreNoSuchMessage(line: String) {
        #expect(parse(line) == .failure(.noSuchMessageNumber(.list)))
    }

    @Test func messageNumbersOfEveryCommand() {
        #expect(parse("RETR abc") == .failure(.noSuchMessageNumber(.retr)))
        #expect(parse("DELE 0") == .failure(.noSuchMessageNumber(.dele)))
        #expect(parse("UIDL -1") == .failure(.noSuchMessageNumber(.uidl)))
        #expect(parse("TOP 0 1") == .failure(.noSuchMessageNumber(.top)))
    }

    @Test func topNeedsBothNumbers() {
        #expect(parse("TOP 1") == .failure(.badArgument(.top)))
        #expect(parse("TOP 1 -1") == .failure(.badArgument(.top)))
        #expect(parse("TOP 1 x") == .failure(.badArgument(.top)))
        #expect(parse("TOP 1 2 3") == .failure(.badArgument(.top)))
        #expect(parse("TOP") == .failure(.badArgument(.top)))
        #expect(parse("TOP 1 99999999999999999999") == .success(.top(1, Int.max)))
    }

    @Test func argumentCountsAreChecked() {
        #expect(parse("RETR") == .failure(.badArgument(.retr)))
        #expect(parse("RETR 1 2") == .failure(.badArgument(.retr)))
        #expect(parse("STAT 1") == .failure(.badArgument(.stat)))
        #expect(parse("QUIT now") == .failure(.badArgument(.quit)))
        #expect(parse("LIST 1 2") == .failure(.badArgument(.list)))
        #expect(parse("USER") == .failure(.badArgument(.user)))
        #expect(parse("USER a b") == .failure(.badArgument(.user)))
        #expect(parse("AUTH PLAIN a b") == .failure(.badArgument(.auth)))
        #expect(parse("APOP name") == .failure(.badArgument(.apop)))
    }

    @Test func userNamesAreLimited() {
        #expect(
            parse("USER " + String(repeating: "a", count: 64)) == .success(.user(String(repeating: "a", count: 64))))
        #expect(parse("USER " + String(repeating: "a", count: 65)) == .failure(.invalidUserName))
        #expect(POP3CommandParser.parse(Array("USER a".utf8) + [0]) == .failure(.invalidUserName))
        #expect(POP3CommandParser.parse(Array("USER ".utf8) + [0xFF, 0xFE]) == .failure(.invalidUserName))
        #expect(parse("USER j\u{F6}rg") == .success(.user("j\u{F6}rg")))
    }

    @Test func junkIsUnknownOrEmpty() {
        #expect(parse("") == .failure(.empty))
        #expect(parse(" ") == .failure(.unknownCommand))
        #expect(parse(" STAT") == .failure(.unknownCommand))
        #expect(parse("STATS") == .failure(.unknownCommand))
        #expect(parse("XTND XMIT") == .failure(.unknownCommand))
        #expect(parse("ST\tAT") == .failure(.unknownCommand))
        #expect(POP3CommandParser.parse([0x53, 0x00, 0x41, 0x54]) == .failure(.unknownCommand))
        #expect(POP3CommandParser.parse([0xC3, 0xA9, 0x54]) == .failure(.unknownCommand))
        #expect(POP3CommandParser.parse([0xFF]) == .failure(.unknownCommand))
        #expect(POP3CommandParser.parse(Array("AUTH ".utf8) + [0xFF]) == .failure(.badArgument(.auth)))
    }

    @Test func aProxyHeaderLineIsNamedAsOne() {
        #expect(parse("PROXY TCP4 192.0.2.10 198.51.100.1 56324 110") == .failure(.proxyHeader))
        #expect(parse("PROXY UNKNOWN") == .failure(.proxyHeader))
        #expect(parse("proxy") == .failure(.proxyHeader), "keywords are read in any case")
        #expect(parse("PROXYX TCP4") == .failure(.unknownCommand))
        #expect(parse("PROX") == .failure(.unknownCommand))
        #expect(POP3CommandParser.parse([0x50, 0x52, 0x4F, 0x58, 0xD9]) == .failure(.unknownCommand))
    }

    @Test func parsesFromAnyCollection() {
        let slice = Array("xxRETR 5".utf8)[2...]
        #expect(POP3CommandParser.parse(slice) == .success(.retr(5)))
    }
}
