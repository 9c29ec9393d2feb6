/// The listing of an open maildrop with this session's deletion marks; message numbers never shift.
struct MaildropView: Sendable {
    private(set) var entries: [MaildropEntry]
    private var deleted: [Bool]
    /// Messages a RETR sent whole in this session.
    private var retrieved: Set<Int> = []

    init(entries: [MaildropEntry] = []) {
        self.entries = entries
        self.deleted = Array(repeating: false, count: entries.count)
    }

    /// Why a message number cannot be used.
    enum LookupError: Error, Equatable {
        case noSuchMessage
        case alreadyDeleted
    }

    /// The entry for a 1-based number that exists and is not marked deleted.
    func entry(_ number: Int) -> Result<MaildropEntry, LookupError> {
        guard number >= 1, number <= entries.count else { return .failure(.noSuchMessage) }
        if deleted[number - 1] { return .failure(.alreadyDeleted) }
        return .success(entries[number - 1])
    }

    /// (number, entry) for every message not marked deleted.
    var visible: [(number: Int, entry: MaildropEntry)] {
        entries.indices.filter { !deleted[$0] }.map { (number: $0 + 1, entry: entries[$0]) }
    }

    var visibleCount: Int { deleted.count { !$0 } }
    var visibleOctets: Int {
        entries.indices.reduce(0) { total, index in
            deleted[index] ? total : total &+ max(0, entries[index].size)
        }
    }

    var deletedNumbers: [Int] { deleted.indices.filter { deleted[$0] }.map { $0 + 1 } }

    mutating func markDeleted(_ number: Int) {
        guard number >= 1, number <= entries.count else { return }
        deleted[number - 1] = true
    }

    /// Retrieved messages without a deletion mark, in order: EXPIRE 0 deletes them at UPDATE.
    var retrievedNotDeleted: [Int] { retrieved.filter { !deleted[$0 - 1] }.sorted() }

    mutating func markRetrieved(_ number: Int) {
        guard number >= 1, number <= entries.count else { return }
        retrieved.insert(number)
    }

    mutating func undeleteAll() {
        deleted = Array(repeating: false, count: entries.count)
    }
}
