public import Storage

/// Everything a POP3 session does to a maildrop: lock and open it, open its messages, record DELE and RSET in the
/// deletion journal, and apply the journal at QUIT. The async methods do their own hops (file work on the store's
/// `files` executor, journal work through the journal store); `messageFolder` and its opens block and belong on a thread pool.
public struct MaildropService: Sendable {
    public let store: MaildirStore
    public let lock: any MaildropLock
    public let journal: any DeletionJournal

    public init(store: MaildirStore, lock: any MaildropLock, journal: any DeletionJournal) {
        self.store = store
        self.lock = lock
        self.journal = journal
    }

    /// Locks the maildrop of `user` (creating its folder on a first login) and scans it. Throws
    /// `MaildropLockError.inUse` at once when another session holds it; releases the lock when the scan fails.
    public func open(user: MailboxName) async throws -> OpenedMaildrop {
        let indexed = await store.indexedMessages(user: user)
        let (store, lock) = (self.store, self.lock)
        let (scanned, lease) = try await store.files.run {
            let lease = try lock.acquire(user: user, directory: store.directory(for: user))
            do {
                return (try store.scan(user: user, indexed: indexed.rows), lease)
            } catch {
                lease.release()
                throw error
            }
        }
        return OpenedMaildrop(maildrop: await store.learn(scanned, indexError: indexed.error), lease: lease)
    }

    /// `maildrop`'s `cur/`, to open several messages with one lookup of the folder.
    public func messageFolder(of maildrop: Maildrop) throws -> MessageFolder {
        try MessageFolder(of: maildrop, in: store)
    }

    /// DELE: a pending journal row for message `number`, written before the client hears `+OK`.
    public func recordDeletion(of number: Int, in maildrop: Maildrop, session: String) async throws {
        guard maildrop.messages.indices.contains(number - 1) else {
            throw MaildirError.messageVanished("#\(number)")
        }
        let message = maildrop.messages[number - 1]
        try await journal.addPending(
            session: session, user: maildrop.user, baseName: message.baseName, fileName: message.fileName)
    }

    /// RSET, or a session that ended without QUIT: its pending rows go.
    public func discardDeletions(session: String) async throws {
        try await journal.clearPending(session: session)
    }

    /// QUIT's UPDATE: marks the session's rows committing (the point of no return), unlinks each file and marks
    /// each done. A file that cannot be removed stays, and its row is dropped so no later start removes it.
    /// Throws only when nothing was removed (the rows are still pending).
    public func commitDeletions(in maildrop: Maildrop, session: String) async throws -> DeletionOutcome {
        let entries = try await journal.markCommitting(session: session)
        let store = self.store
        let (removed, failures) = try await store.files.run {
            var removed: [Int64] = []
            var failures: [DeletionOutcome.Failure] = []
            for entry in entries {
                do {
                    _ = try store.removeMessage(
                        user: maildrop.user, baseName: entry.baseName, fileName: entry.fileName)
                    removed.append(entry.id)
                } catch {
                    failures.append(DeletionOutcome.Failure(id: entry.id, baseName: entry.baseName, error: error))
                }
            }
            return (removed, failures)
        }
        var bookkeeping: [DeletionOutcome.BookkeepingError] = []
        // The files are gone whatever happens next: a failure to record that is finished at the next start.
        do { try await journal.markDone(ids: removed) } catch { bookkeeping.append(.markDone(error)) }
        do { try await journal.discard(ids: failures.map { $0.id }) } catch { bookkeeping.append(.discard(error)) }
        return DeletionOutcome(removed: removed.count, failures: failures, bookkeeping: bookkeeping)
    }
}

/// A locked and scanned maildrop.
public struct OpenedMaildrop: Sendable {
    public let maildrop: Maildrop
    public let lease: any MaildropLease
}

/// What QUIT's UPDATE did.
public struct DeletionOutcome: Sendable {
    /// A message whose file could not be removed; it stays in the maildrop.
    public struct Failure: Sendable {
        public let id: Int64
        public let baseName: String
        public let error: any Error
    }

    /// Journal bookkeeping that failed after the files were handled; the next start finishes or retries it.
    public enum BookkeepingError: Sendable {
        case markDone(any Error)
        case discard(any Error)
    }

    public let removed: Int
    public let failures: [Failure]
    public let bookkeeping: [BookkeepingError]
}
