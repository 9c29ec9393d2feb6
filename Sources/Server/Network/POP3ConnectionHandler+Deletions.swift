import Foundation
import Logging
import Maildir
import NIOCore
import NIOSSL
import POP3Core
import Storage

// DELE, RSET and QUIT through the deletion journal.
extension POP3ConnectionHandler {
    // MARK: DELE, RSET, QUIT

    func recordDeletion(number: Int) {
        guard let context, let maildrop, maildrop.messages.indices.contains(number - 1) else {
            resume(with: session.deletionRecorded(number: number, succeeded: false))
            return
        }
        let message = maildrop.messages[number - 1]
        let journal = server.stores.journal
        let (sessionID, user) = (self.sessionID, maildrop.user.value)
        server.ioPool.runIfActive(eventLoop: context.eventLoop) {
            try journal.addPending(
                session: sessionID, user: user, baseName: message.baseName, fileName: message.fileName)
        }.assumeIsolated().whenComplete { [self] result in
            if case .failure(let error) = result {
                logger.error("journal write failed", metadata: ["error": "\(error)"])
            }
            resume(with: session.deletionRecorded(number: number, succeeded: (try? result.get()) != nil))
        }
    }

    func resetDeletions() {
        guard let context else { return }
        let journal = server.stores.journal
        let sessionID = self.sessionID
        server.ioPool.runIfActive(eventLoop: context.eventLoop) {
            try journal.clearPending(session: sessionID)
        }.assumeIsolated().whenComplete { [self] result in
            resume(with: session.deletionsReset(succeeded: (try? result.get()) != nil))
        }
    }

    /// UPDATE: mark the session's rows committing (the point of no return), unlink each file, mark each done.
    func commitDeletions() {
        guard let context, let maildrop, let store = maildirStore else {
            resume(with: session.updateFinished(succeeded: false))
            return
        }
        committing = true
        let journal = server.stores.journal
        let sessionID = self.sessionID
        let logger = self.logger
        server.ioPool.runIfActive(eventLoop: context.eventLoop) { () throws -> DeletionOutcome in
            let entries = try journal.markCommitting(session: sessionID)
            var removed: [Int64] = []
            var failed: [Int64] = []
            for entry in entries {
                do {
                    try store.removeMessage(user: maildrop.user, baseName: entry.baseName, fileName: entry.fileName)
                    removed.append(entry.id)
                } catch {
                    logger.error(
                        "cannot remove message", metadata: ["message": "\(entry.baseName)", "error": "\(error)"])
                    failed.append(entry.id)
                }
            }
            // The files are gone whatever happens next: a failure to record that is finished at the next start.
            do {
                try journal.markDone(ids: removed)
            } catch {
                logger.error(
                    "deletions done but not recorded; recorded at the next start", metadata: ["error": "\(error)"])
            }
            // What could not be removed stays, as the answer says: forget those rows so no later start deletes it.
            do {
                try journal.discard(ids: failed)
            } catch {
                logger.error(
                    "cannot discard failed deletions; the next start retries them", metadata: ["error": "\(error)"])
            }
            return DeletionOutcome(removed: removed.count, failures: failed.count)
        }.assumeIsolated().whenComplete { [self] result in
            committing = false
            switch result {
            case .success(let outcome):
                server.metrics.add(.messagesDeleted, Int64(outcome.removed))
                resume(with: session.updateFinished(succeeded: outcome.failures == 0))
            case .failure(let error):
                // markCommitting failed: nothing was removed and the rows are still pending.
                logger.error("deletion journal failed", metadata: ["error": "\(error)"])
                resume(with: session.updateFinished(succeeded: false))
            }
        }
    }

    /// A session that ends without QUIT leaves its DELE marks behind: drop them now rather than at the next start.
    /// A session whose QUIT is being applied keeps them, even when the connection is gone before it finishes.
    func discardPendingDeletions() {
        guard session.counters.dele > 0, endReason != .quit, !committing else { return }
        let journal = server.stores.journal
        let (sessionID, logger) = (self.sessionID, self.logger)
        server.ioPool.submit { _ in
            do {
                try journal.clearPending(session: sessionID)
            } catch {
                logger.warning("cannot clear pending deletions; the next start does", metadata: ["error": "\(error)"])
            }
        }
    }
}

struct DeletionOutcome: Sendable {
    let removed: Int
    let failures: Int
}
