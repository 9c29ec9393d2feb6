import Storage

/// EXPIRE: messages deleted by policy rather than by DELE. They take the same road as DELE and QUIT (pending journal
/// rows, then committing, unlink, done), so a crash at any point leaves each message either there or gone, and
/// recovery finishes what was committed.
extension MaildropService {
    /// Deletes the messages of `opened` whose UIDL is in `uidls`, under the lock the login holds, and returns the
    /// maildrop without them (a message whose file could not be removed stays listed) and what was done.
    public func expire(
        _ uidls: Set<String>, in opened: OpenedMaildrop, session: String
    ) async throws -> (OpenedMaildrop, DeletionOutcome) {
        let maildrop = opened.maildrop
        let numbers = maildrop.messages.indices.filter { uidls.contains(maildrop.messages[$0].uidl) }.map { $0 + 1 }
        guard !numbers.isEmpty else {
            return (opened, DeletionOutcome(removed: 0, failures: [], bookkeeping: []))
        }
        try await recordDeletions(of: numbers, in: maildrop, session: session)
        let outcome = try await commitDeletions(in: maildrop, lease: opened.lease, session: session)
        let kept = Set(outcome.failures.map(\.baseName))
        let remaining = maildrop.messages.filter { !uidls.contains($0.uidl) || kept.contains($0.baseName) }
        let trimmed = Maildrop(
            user: maildrop.user, directory: maildrop.directory, messages: remaining, statistics: maildrop.statistics)
        return (OpenedMaildrop(maildrop: trimmed, lease: opened.lease, recovered: opened.recovered), outcome)
    }

    /// Pending journal rows for several messages (EXPIRE 0 at QUIT: retrieved messages without DELE).
    public func recordDeletions(of numbers: [Int], in maildrop: Maildrop, session: String) async throws {
        for number in numbers {
            try await recordDeletion(of: number, in: maildrop, session: session)
        }
    }
}
