/// The lines of an import file, numbered from 1.
struct ImportLines: Sendable {
    var numbered: [(Int, UserImportLine)]

    init(text: String) {
        numbered = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated().map {
                ($0.offset + 1, UserImportLine($0.element))
            }
        if let last = numbered.last, last.1 == .skip { numbered.removeLast() }
    }
}

/// What happened to one import line.
enum ImportOutcome: Sendable, Hashable {
    case added(name: String)
    case skipped
    case failed(name: String?, reason: String)

    var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }

    /// The line printed for it; skipped lines print nothing.
    func report(line: Int) -> String? {
        switch self {
        case .added(let name): "line \(line): \(name): added"
        case .skipped: nil
        case .failed(let name?, let reason): "line \(line): \(name): failed: \(reason)"
        case .failed(nil, let reason): "line \(line): skipped: \(reason)"
        }
    }
}

/// Counts of an import's outcomes.
struct ImportSummary: Sendable, Hashable {
    var added = 0
    var failed = 0

    mutating func count(_ outcome: ImportOutcome) {
        switch outcome {
        case .added: added += 1
        case .failed: failed += 1
        case .skipped: break
        }
    }

    var text: String { "\(added) added, \(failed) failed" }
}
