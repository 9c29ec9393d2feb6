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

    /// Locks the maildrop of `user` (creating its folder on a first login), finishes what the deletion journal holds
    /// of the user's earlier sessions when the lock says so, and scans it. Throws `MaildropLockError.inUse` at once
    /// when another session holds it; releases the lock when anything after it fails.
    public func open(user: MailboxName) async throws -> OpenedMaildrop {
        let store = self.store
        // An unchanged maildrop's last listing is read while the lock is taken, and checked again under it.
        async let listingRead = store.files.run { store.cachedListing(user: user) }
        let lease = try await lock.acquire(user: user, directory: store.directory(for: user), files: store.files)
        let listed = try? await listingRead
        do {
            if !lease.recoveryDue, let listed,
                try await store.files.run({ store.foldersUnchanged(user: user, since: listed.stamps) })
            {
                return OpenedMaildrop(maildrop: listed.maildrop, lease: lease, recovered: nil)
            }
            let recovered = lease.recoveryDue ? try await recoverJournal(of: user) : nil
            let indexed = await store.indexedMessages(user: user)
            let scanned = try await store.files.run { try store.scan(user: user, indexed: indexed.rows) }
            return OpenedMaildrop(
                maildrop: await store.learn(scanned, indexError: indexed.error), lease: lease, recovered: recovered)
        } catch {
            await lease.release(files: store.files)
            throw error
        }
    }

    /// Recovery of one maildrop, under its lock (so no session of the user is alive anywhere): the removals a QUIT
    /// had begun are finished, and DELE marks of sessions that ended without QUIT are dropped.
    private func recoverJournal(of user: MailboxName) async throws -> JournalRecoveryReport {
        let (discarded, committing) = try await journal.recover(user: user)
        let store = self.store
        let removed = try await store.files.run {
            committing.filter { entry in
                (try? store.removeMessage(user: user, baseName: entry.baseName, fileName: entry.fileName)) != nil
            }.map(\.id)
        }
        try await journal.markDone(ids: removed)
        return JournalRecoveryReport(
            discardedPending: discarded, finished: removed.count, failed: committing.count - removed.count)
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

    /// QUIT's UPDATE: marks the session's rows committing (the point of no return), checks the lock is still held,
    /// unlinks each file and marks each done. A file that cannot be removed stays, and its row is dropped so no
    /// later start removes it. Throws only when nothing was removed: the rows are still pending, or (the lock was
    /// lost) dropped so the messages stay; should that drop fail, the next holder of the lock finishes them.
    public func commitDeletions(in maildrop: Maildrop, lease: any MaildropLease, session: String) async throws
        -> DeletionOutcome
    {
        let entries = try await journal.markCommitting(session: session)
        do {
            try await lease.confirmHeld()
        } catch {
            try? await journal.discard(ids: entries.map(\.id))
            throw error
        }
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
    /// What recovery of the maildrop's journal did before the scan, when the lock asked for it.
    public let recovered: JournalRecoveryReport?
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
