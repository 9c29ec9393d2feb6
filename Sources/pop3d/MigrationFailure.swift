import Storage

/// Why `pop3d migrate` copied nothing, each with what the operator does next.
enum MigrationFailure: Error, CustomStringConvertible {
    case missingSource(path: String)
    case sourceInUse(path: String, pid: Int32?)
    case cannotLockSource(path: String, reason: String)
    /// Deletions a session had started but not finished: only the SQLite pop3d can finish (or undo) them.
    case unfinishedDeletions(path: String, pending: Int, committing: Int)
    /// The target holds pop3d data (these counts) and `--replace-target` was not given.
    case targetNotEmpty([StateTable: Int])
    /// After the copy the target's counts were not the source's; the transaction was rolled back.
    case countsDiffer(MigrationCounts)

    var description: String {
        switch self {
        case .missingSource(let path):
            return "no SQLite database at \(path) (nothing was created; check the path given to --from)"
        case .sourceInUse(let path, let pid):
            let holder = pid.map { "pop3d process \($0)" } ?? "a pop3d"
            return "\(holder) is serving \(path): stop it first, so that nothing changes during the copy"
        case .cannotLockSource(let path, let reason):
            return "cannot take the database lock \(path): \(reason)"
        case .unfinishedDeletions(let path, let pending, let committing):
            return "the deletion journal of \(path) holds \(pending) pending and \(committing) committing rows "
                + "(deletions of sessions that did not finish): start pop3d on the SQLite database once so it "
                + "recovers them, stop it, then migrate"
        case .targetNotEmpty(let counts):
            let found = StateTable.allCases.filter { counts[$0, default: 0] > 0 }
                .map { "\($0.name) \(counts[$0, default: 0])" }.joined(separator: ", ")
            return "the target already holds pop3d data (\(found)): migrate into an empty database, or pass "
                + "--replace-target to empty pop3d's tables there first, in the same transaction as the copy"
        case .countsDiffer:
            return "the target's counts differ from the source's (marked *): the copy was rolled back, nothing "
                + "was written"
        }
    }
}
