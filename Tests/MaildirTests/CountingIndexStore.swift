import Storage
import Synchronization

/// An in-memory `MessageIndexStore` that counts its calls.
final class CountingIndexStore: MessageIndexStore {
    struct State {
        var rows: [String: [String: IndexedMessage]] = [:]
        var reads = 0
        var updates = 0
        var lastUpsert: [IndexedMessage] = []
        var lastRemove: [String] = []
        var failReads = false
    }

    let state = Mutex(State())

    func indexedMessages(user: MailboxName) async throws -> [IndexedMessage] {
        try state.withLock {
            $0.reads += 1
            if $0.failReads { throw FakeIndexError.unavailable }
            return Array(($0.rows[user.value] ?? [:]).values)
        }
    }

    func updateIndex(user: MailboxName, upsert: [IndexedMessage], remove: [String]) async throws {
        state.withLock {
            $0.updates += 1
            $0.lastUpsert = upsert
            $0.lastRemove = remove
            for row in upsert { $0.rows[user.value, default: [:]][row.baseName] = row }
            for name in remove { $0.rows[user.value]?[name] = nil }
        }
    }

    var snapshot: State { state.withLock { $0 } }
}

enum FakeIndexError: Error {
    case unavailable
}
