import Logging
import Maildir
import NIOCore
import NIOPosix
import Storage

/// DELE, RSET and QUIT's UPDATE for one logged-in session: each a deletion-journal step (the maildrop service does
/// its own hops), its success (or not) handed back on the event loop.
struct DeletionSteps {
    let service: MaildropService
    let maildrop: Maildrop
    let lease: any MaildropLease
    let sessionID: String
    let metrics: ServerMetrics
    let eventLoop: any EventLoop
    let logger: Logger

    /// DELE: the pending row is written before the client hears `+OK`.
    func record(_ number: Int, then answer: @escaping (Bool) -> Void) {
        run(
            { [service, maildrop, sessionID] in
                try await service.recordDeletion(of: number, in: maildrop, session: sessionID)
            }, then: { answer($0 != nil) })
    }

    /// RSET: the session's pending rows go.
    func reset(then answer: @escaping (Bool) -> Void) {
        run(
            { [service, sessionID] in try await service.discardDeletions(session: sessionID) },
            then: { answer($0 != nil) })
    }

    /// QUIT: the journal is applied; true when every marked message is gone. `expiring` (EXPIRE 0: retrieved
    /// messages without DELE) get their pending rows first, so they are committed with the rest.
    func commit(expiring: [Int] = [], then answer: @escaping (Bool) -> Void) {
        let step: @Sendable () async throws -> DeletionOutcome = { [service, maildrop, lease, sessionID] in
            try await service.recordDeletions(of: expiring, in: maildrop, session: sessionID)
            return try await service.commitDeletions(in: maildrop, lease: lease, session: sessionID)
        }
        let started = NIODeadline.now()
        run(step) { outcome in
            metrics.detail.quitCommit.observe((NIODeadline.now() - started).nanoseconds)
            guard let outcome else { return answer(false) }
            for failure in outcome.failures {
                logger.error(
                    "cannot remove message", metadata: ["message": "\(failure.baseName)", "error": "\(failure.error)"])
            }
            if !outcome.bookkeeping.isEmpty {
                logger.error("deletion journal bookkeeping failed; the next start finishes it")
            }
            metrics.add(.messagesDeleted, Int64(outcome.removed))
            answer(outcome.failures.isEmpty)
        }
    }

    /// A session that ended without QUIT leaves its DELE marks behind: they go now rather than at the next start.
    /// The maildrop (`lease`, when the session still holds it) is given back only afterwards, so the next session
    /// of the user finds no marks of this one to recover.
    func discardAfterDrop(thenRelease lease: (any MaildropLease)?, files: any BlockingExecutor) {
        let (service, sessionID, logger) = (self.service, self.sessionID, self.logger)
        Task {
            do { try await service.discardDeletions(session: sessionID) } catch {
                logger.warning(
                    "cannot clear pending deletions; the journal's recovery drops them later",
                    metadata: ["error": "\(error)"])
            }
            await lease?.release(files: files)
        }
    }

    private func run<Value: Sendable>(
        _ step: @escaping @Sendable () async throws -> Value, then answer: @escaping (Value?) -> Void
    ) {
        eventLoop.runTask(step).assumeIsolated().whenComplete { [logger] result in
            if case .failure(let error) = result {
                logger.error("deletion journal failed", metadata: ["error": "\(error)"])
            }
            answer(try? result.get())
        }
    }
}
