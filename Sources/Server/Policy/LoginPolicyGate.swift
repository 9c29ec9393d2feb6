import Foundation
import Maildir
import POP3Core
import Storage

/// One login's dealings with the mailbox policies, after its credentials were found good: LOGIN-DELAY's verdict
/// (the rule is `MailboxPolicy.refusesLogin`, in POP3Core), then, once the maildrop is open, the login's time and
/// EXPIRE's retention sweep of that maildrop.
struct LoginPolicyGate {
    let book: MailboxPolicyBook?
    let user: String
    let policy: MailboxPolicy
    let lastLogin: Double?

    init(book: MailboxPolicyBook?, user: String) async throws {
        self.book = book
        self.user = user
        // With no policy anywhere (the default) a login reads nothing more.
        guard let book, book.anyPolicy, let state = try await book.store.loginState(user: user) else {
            policy = book.map { $0.effective(UserPolicyOverride()) } ?? .none
            lastLogin = nil
            return
        }
        policy = book.effective(state.override)
        lastLogin = state.lastLogin
    }

    /// The delay to answer `-ERR [LOGIN-DELAY]` with, or nil when the login may go on.
    func refusal(now: Double) -> Int? {
        policy.refusesLogin(lastLogin: lastLogin, now: now) ? policy.loginDelaySeconds : nil
    }

    /// The maildrop is open: records the login under a LOGIN-DELAY (which counts from it) and, under EXPIRE n, deletes the
    /// messages first retrieved n days or more before `now`. Returns the maildrop as the session sees it and how
    /// many messages expired.
    func admitted(
        _ opened: OpenedMaildrop, by service: MaildropService, at now: Double
    ) async throws -> (OpenedMaildrop, Int) {
        guard let book else { return (opened, 0) }
        // Only a user with a delay needs the time: a login costs no database write otherwise.
        if policy.loginDelaySeconds > 0 { try await book.store.recordLogin(user: user, at: now) }
        guard let days = policy.expireDays, days > 0 else { return (opened, 0) }
        let user = opened.maildrop.user
        let retrieved = try await book.store.retrievals(user: user)
        guard !retrieved.isEmpty else { return (opened, 0) }
        let present = Set(opened.maildrop.messages.map(\.uidl))
        let cutoff = now - Double(days) * 86_400
        let due = Set(retrieved.filter { present.contains($0.key) && $0.value <= cutoff }.keys)
        let (swept, outcome) = try await service.expire(due, in: opened, session: "expire-\(UUID().uuidString)")
        // Rows of messages that are gone (deleted, expired, or removed by another program) are not needed again.
        let remaining = Set(swept.maildrop.messages.map(\.uidl))
        try await book.store.forgetRetrievals(user: user, uidls: retrieved.keys.filter { !remaining.contains($0) })
        return (swept, outcome.removed)
    }
}
