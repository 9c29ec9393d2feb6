import Testing

@testable import POP3Core

/// LOGIN-DELAY and EXPIRE (RFC 2449 sections 6.5 and 6.7) as the session states and decides them.
@Suite struct MailboxPolicyTests {
    private func capa(_ session: inout POP3Session) -> [String] {
        sentText(session.receive("CAPA")).components(separatedBy: "\r\n").filter {
            $0.hasPrefix("LOGIN-DELAY") || $0.hasPrefix("EXPIRE")
        }
    }

    private func loggedIn(
        _ policy: MailboxPolicy, advertised: PolicyAdvertisement = .none, sizes: [Int] = [120, 200, 300]
    ) -> POP3Session {
        var configuration = POP3SessionConfiguration()
        configuration.policyAdvertisement = advertised
        var session = POP3Session(configuration: configuration)
        _ = session.start()
        _ = session.receive("USER alice")
        _ = session.receive("PASS secret")
        let listing = sizes.enumerated().map { MaildropEntry(size: $0.element, uidl: "uid\($0.offset + 1)") }
        _ = session.authenticationSucceeded(listing: listing, policy: policy)
        return session
    }

    private func retrieve(_ number: Int, _ session: inout POP3Session) -> [POP3SessionAction] {
        _ = session.receive("RETR \(number)")
        return session.messageSent(number: number)
    }

    @Test func capaWithoutPolicies() {
        var session = POP3Session(configuration: POP3SessionConfiguration())
        #expect(capa(&session) == ["EXPIRE NEVER"])
        var user = POP3Session.loggedIn()
        #expect(capa(&user) == ["EXPIRE NEVER"])
    }

    @Test func capaWithOneValueForEveryone() {
        let policy = MailboxPolicy(loginDelaySeconds: 300, expireDays: 0)
        var configuration = POP3SessionConfiguration()
        configuration.policyAdvertisement = PolicyAdvertisement(smallest: policy)
        var session = POP3Session(configuration: configuration)
        #expect(capa(&session) == ["LOGIN-DELAY 300", "EXPIRE 0"])
        var user = loggedIn(policy, advertised: configuration.policyAdvertisement)
        #expect(capa(&user) == ["LOGIN-DELAY 300", "EXPIRE 0"])
    }

    @Test func capaWithValuesPerUser() {
        let advertised = PolicyAdvertisement(
            smallest: MailboxPolicy(loginDelaySeconds: 0, expireDays: 5),
            variation: PolicyVariation(loginDelay: true, expire: true))
        var configuration = POP3SessionConfiguration()
        configuration.policyAdvertisement = advertised
        var session = POP3Session(configuration: configuration)
        #expect(capa(&session) == ["LOGIN-DELAY 0 USER", "EXPIRE 5 USER"])
        // After login: the user's own values, without USER.
        var user = loggedIn(MailboxPolicy(loginDelaySeconds: 900, expireDays: nil), advertised: advertised)
        #expect(capa(&user) == ["LOGIN-DELAY 900", "EXPIRE NEVER"])
        var other = loggedIn(MailboxPolicy(loginDelaySeconds: 0, expireDays: 30), advertised: advertised)
        #expect(capa(&other) == ["EXPIRE 30"])
    }

    @Test func loginDelayRule() {
        let policy = MailboxPolicy(loginDelaySeconds: 300)
        #expect(!policy.refusesLogin(lastLogin: nil, now: 1_000))
        #expect(policy.refusesLogin(lastLogin: 1_000, now: 1_000))
        #expect(policy.refusesLogin(lastLogin: 1_000, now: 1_299.9))
        #expect(!policy.refusesLogin(lastLogin: 1_000, now: 1_300))
        // A clock set back does not lock the user out.
        #expect(!policy.refusesLogin(lastLogin: 5_000, now: 1_000))
        #expect(!MailboxPolicy.none.refusesLogin(lastLogin: 1_000, now: 1_000))
    }

    @Test func loginTooSoonIsNotAFailure() {
        var configuration = POP3SessionConfiguration()
        configuration.maxFailedLogins = 1
        var session = POP3Session(configuration: configuration)
        _ = session.start()
        _ = session.receive("USER alice")
        _ = session.receive("PASS secret")
        let actions = session.authenticationFailed(.loginTooSoon(delaySeconds: 300))
        #expect(
            sentLines(actions) == ["-ERR [LOGIN-DELAY] Logged in too recently; wait 300 seconds between logins."])
        // With one failure allowed, a failure would have closed the session: this one does not.
        #expect(closes(actions) == nil)
        #expect(session.state == .authorization)
        _ = session.receive("USER alice")
        #expect(session.receive("PASS secret") == [.authenticate(user: "alice", password: Array("secret".utf8))])
    }

    @Test func expireZeroDeletesRetrievedMessagesAtQuit() {
        var session = loggedIn(MailboxPolicy(expireDays: 0))
        #expect(retrieve(1, &session) == [])
        _ = session.receive("TOP 2 0")
        _ = session.messageSent(number: 2)  // TOP is no retrieval
        #expect(retrieve(3, &session) == [])
        _ = session.receive("DELE 3")
        _ = session.deletionRecorded(number: 3, succeeded: true)
        #expect(session.receive("QUIT") == [.commitDeletions(numbers: [3], expiring: [1])])
        #expect(sentLines(session.updateFinished(succeeded: true)) == ["+OK Logging out, messages deleted."])
    }

    @Test func expireZeroWithoutRetrievalsDeletesNothing() {
        var session = loggedIn(MailboxPolicy(expireDays: 0))
        #expect(sentLines(session.receive("QUIT")) == ["+OK Logging out."])
    }

    @Test func expireNeverAndExpireNKeepRetrievedMessagesAtQuit() {
        var never = loggedIn(.none)
        #expect(retrieve(1, &never) == [])
        #expect(sentLines(never.receive("QUIT")) == ["+OK Logging out."])
        var days = loggedIn(MailboxPolicy(expireDays: 7))
        #expect(retrieve(2, &days) == [.recordRetrieval(number: 2)])
        _ = days.receive("TOP 1 0")
        #expect(days.messageSent(number: 1) == [])
        #expect(sentLines(days.receive("QUIT")) == ["+OK Logging out."])
    }

    @Test func expireZeroAndRSET() {
        // RSET undoes DELE marks, not retrievals: EXPIRE 0 still deletes what was retrieved.
        var session = loggedIn(MailboxPolicy(expireDays: 0))
        _ = retrieve(2, &session)
        _ = session.receive("DELE 1")
        _ = session.deletionRecorded(number: 1, succeeded: true)
        _ = session.receive("RSET")
        _ = session.deletionsReset(succeeded: true)
        #expect(session.receive("QUIT") == [.commitDeletions(numbers: [], expiring: [2])])
    }

    @Test func aDroppedSessionExpiresNothing() {
        var session = loggedIn(MailboxPolicy(expireDays: 0))
        _ = retrieve(1, &session)
        let actions = session.idleTimeout()
        #expect(!actions.contains { if case .commitDeletions = $0 { true } else { false } })
    }
}
