import Foundation
import Logging
import NIOCore
import NIOSSL
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
        let journal = server.stores.journal
        let sessionID = self.sessionID
        server.ioPool.runIfActive(eventLoop: context.eventLoop) { () throws -> DeletionOutcome in
            let entries = try journal.markCommitting(session: sessionID)
            var removed: [Int64] = []
            var failures = 0
            for entry in entries {
                if (try? store.removeMessage(user: maildrop.user, baseName: entry.baseName, fileName: entry.fileName))
                    != nil
                {
                    removed.append(entry.id)
                } else {
                    failures += 1
                }
            }
            try journal.markDone(ids: removed)
            return DeletionOutcome(removed: removed.count, failures: failures)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let outcome):
                server.metrics.add(.messagesDeleted, Int64(outcome.removed))
                if outcome.failures > 0 {
                    logger.error(
                        "some deletions failed; they finish at the next start",
                        metadata: ["failed": "\(outcome.failures)"])
                }
                resume(with: session.updateFinished(succeeded: outcome.failures == 0))
            case .failure(let error):
                logger.error("deletion journal failed", metadata: ["error": "\(error)"])
                resume(with: session.updateFinished(succeeded: false))
            }
        }
    }
}

struct DeletionOutcome: Sendable {
    let removed: Int
    let failures: Int
}
