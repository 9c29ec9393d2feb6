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

    func indexedMessages(user: String) throws -> [IndexedMessage] {
        try state.withLock {
            $0.reads += 1
            if $0.failReads { throw FakeIndexError.unavailable }
            return Array(($0.rows[user] ?? [:]).values)
        }
    }

    func updateIndex(user: String, upsert: [IndexedMessage], remove: [String]) throws {
        state.withLock {
            $0.updates += 1
            $0.lastUpsert = upsert
            $0.lastRemove = remove
            for row in upsert { $0.rows[user, default: [:]][row.baseName] = row }
            for name in remove { $0.rows[user]?[name] = nil }
        }
    }

    var snapshot: State { state.withLock { $0 } }
}

enum FakeIndexError: Error {
    case unavailable
}
