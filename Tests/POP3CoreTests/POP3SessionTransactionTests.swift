import Testing

@testable import POP3Core

@Suite struct POP3SessionTransactionTests {
    @Test func statListUidl() {
        var session = POP3Session.loggedIn()
        #expect(sentLines(session.receive("STAT")) == ["+OK 3 620"])
        #expect(sentText(session.receive("LIST")) == "+OK 3 messages (620 octets)\r\n1 120\r\n2 200\r\n3 300\r\n.\r\n")
        #expect(sentLines(session.receive("list 2")) == ["+OK 2 200"])
        #expect(sentText(session.receive("UIDL")) == "+OK\r\n1 uid1\r\n2 uid2\r\n3 uid3\r\n.\r\n")
        #expect(sentLines(session.receive("UIDL 3")) == ["+OK 3 uid3"])
        #expect(sentLines(session.receive("NOOP")) == ["+OK"])
    }

    @Test func emptyMaildrop() {
        var session = POP3Session.loggedIn(sizes: [])
        #expect(sentLines(session.receive("STAT")) == ["+OK 0 0"])
        #expect(sentText(session.receive("LIST")) == "+OK 0 messages (0 octets)\r\n.\r\n")
        #expect(sentText(session.receive("UIDL")) == "+OK\r\n.\r\n")
        #expect(sentLines(session.receive("RETR 1")) == ["-ERR No such message."])
    }

    @Test(arguments: [
        "LIST 0", "LIST -1", "LIST 99999999999999999999", "LIST 4", "RETR abc", "RETR 1x", "UIDL 9", "DELE 0",
        "TOP 4 0", "TOP abc 1",
    ])
    func badMessageNumbers(line: String) {
        var session = POP3Session.loggedIn()
        let actions = session.receive(line)
        #expect(sentLines(actions) == ["-ERR No such message."])
        #expect(closes(actions) == nil)
        #expect(!session.isAwaitingResult)
    }

    @Test func syntaxErrors() {
        var session = POP3Session.loggedIn()
        #expect(sentLines(session.receive("TOP 1")) == ["-ERR Syntax: TOP msg n"])
        #expect(sentLines(session.receive("TOP 1 -1")) == ["-ERR Syntax: TOP msg n"])
        #expect(sentLines(session.receive("RETR")) == ["-ERR Syntax: RETR msg"])
        #expect(sentLines(session.receive("STAT x")) == ["-ERR Syntax: STAT"])
        #expect(sentLines(session.receive("FOO")) == ["-ERR Unknown command."])
        #expect(sentLines(session.receive("")) == ["-ERR Empty command."])
    }

    @Test func retrAndTopAskTheHandler() {
        var session = POP3Session.loggedIn()
        #expect(
            session.receive("RETR 2") == [
                .sendMessage(number: 2, status: .ok("200 octets"), bodyLines: nil, readAhead: [])
            ])
        #expect(session.isAwaitingResult)
        #expect(session.messageSent(number: 1) == [])  // not the pending one
        #expect(session.isAwaitingResult)
        #expect(session.messageSent(number: 2) == [])
        #expect(
            session.receive("top 3 0") == [
                .sendMessage(number: 3, status: .ok("300 octets"), bodyLines: 0, readAhead: [])
            ])
        #expect(session.messageSent(number: 3) == [])
        #expect(
            session.receive("RETR 1") == [
                .sendMessage(number: 1, status: .ok("120 octets"), bodyLines: nil, readAhead: [])
            ])
        #expect(sentLines(session.messageUnavailable(number: 1)) == ["-ERR Message 1 is no longer available."])
        #expect(session.counters.retr == 1 && session.counters.top == 1)
    }

    @Test func deletedMessagesAreInvisible() {
        var session = POP3Session.loggedIn()
        #expect(session.receive("DELE 2") == [.recordDeletion(number: 2)])
        #expect(session.isAwaitingResult)
        #expect(sentLines(session.deletionRecorded(number: 2, succeeded: true)) == ["+OK Message 2 deleted."])
        #expect(sentLines(session.receive("STAT")) == ["+OK 2 420"])
        #expect(sentText(session.receive("LIST")) == "+OK 2 messages (420 octets)\r\n1 120\r\n3 300\r\n.\r\n")
        #expect(sentText(session.receive("UIDL")) == "+OK\r\n1 uid1\r\n3 uid3\r\n.\r\n")
        for line in ["LIST 2", "UIDL 2", "RETR 2", "TOP 2 0", "DELE 2"] {
            #expect(sentLines(session.receive(line)) == ["-ERR Message 2 already deleted."], "\(line)")
        }
        #expect(session.counters.dele == 1)
    }

    @Test func failedDeletionKeepsTheMessage() {
        var session = POP3Session.loggedIn()
        _ = session.receive("DELE 1")
        #expect(
            sentLines(session.deletionRecorded(number: 1, succeeded: false))
                == ["-ERR [SYS/TEMP] Could not record the deletion, try again later."])
        #expect(sentLines(session.receive("STAT")) == ["+OK 3 620"])
        #expect(session.counters.dele == 0)
    }

    @Test func rsetRestoresDeletedMessages() {
        var session = POP3Session.loggedIn()
        #expect(sentLines(session.receive("RSET")) == ["+OK Maildrop has 3 messages (620 octets)."])
        _ = session.receive("DELE 1")
        _ = session.deletionRecorded(number: 1, succeeded: true)
        #expect(session.receive("RSET") == [.resetDeletions])
        #expect(
            sentLines(session.deletionsReset(succeeded: false))
                == ["-ERR [SYS/TEMP] Could not undo the deletions, try again later."])
        #expect(sentLines(session.receive("STAT")) == ["+OK 2 500"])
        #expect(session.receive("RSET") == [.resetDeletions])
        #expect(sentLines(session.deletionsReset(succeeded: true)) == ["+OK Maildrop has 3 messages (620 octets)."])
        #expect(sentLines(session.receive("STAT")) == ["+OK 3 620"])
        #expect(sentLines(session.receive("LIST 1")) == ["+OK 1 120"])
    }

    @Test func quitWithoutDeletionsClosesAtOnce() {
        var session = POP3Session.loggedIn()
        #expect(session.receive("QUIT") == [.send(.ok("Logging out.")), .close(.quit)])
        #expect(session.state == .closed)
    }

    @Test func quitCommitsDeletions() {
        var session = POP3Session.loggedIn()
        for number in [3, 1] {
            _ = session.receive("DELE \(number)")
            _ = session.deletionRecorded(number: number, succeeded: true)
        }
        #expect(session.receive("QUIT") == [.commitDeletions(numbers: [1, 3])])
        #expect(session.state == .update)
        #expect(session.isAwaitingResult)
        #expect(session.receive("NOOP") == [])
        #expect(
            session.updateFinished(succeeded: true)
                == [.send(.ok("Logging out, messages deleted.")), .close(.quit)])
        #expect(session.state == .closed)
        #expect(session.updateFinished(succeeded: true) == [])
    }

    @Test func failedUpdateStillCloses() {
        var session = POP3Session.loggedIn()
        _ = session.receive("DELE 1")
        _ = session.deletionRecorded(number: 1, succeeded: true)
        _ = session.receive("QUIT")
        let actions = session.updateFinished(succeeded: false)
        #expect(sentLines(actions).first?.hasPrefix("-ERR [SYS/TEMP] ") == true)
        #expect(closes(actions) == .quit)
    }

    @Test func loginCommandsAreRefusedAfterLogin() {
        var session = POP3Session.loggedIn(configuration: POP3SessionConfiguration(tlsAvailable: true))
        for line in ["USER bob", "PASS x", "AUTH", "AUTH PLAIN", "STLS", "APOP a b", "USER"] {
            #expect(sentLines(session.receive(line)) == ["-ERR Command not valid in this state."], "\(line)")
        }
        #expect(session.state == .transaction)
    }

    @Test func capaAfterLoginListsUserAndSaslButNoSTLS() {
        var session = POP3Session.loggedIn(configuration: POP3SessionConfiguration(tlsAvailable: true))
        let lines = sentText(session.receive("CAPA")).split(separator: "\r\n").map(String.init)
        #expect(lines.first == "+OK Capability list follows")
        #expect(lines.contains("USER") && lines.contains("SASL PLAIN") && lines.contains("TOP"))
        #expect(!lines.contains("STLS"))
        #expect(lines.last == ".")
    }
}
