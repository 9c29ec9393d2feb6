import Storage

/// Each table's rows in the source and in the target after a copy, and the table `pop3d migrate` prints.
struct MigrationCounts: Sendable, Equatable {
    var source: [StateTable: Int]
    var target: [StateTable: Int]

    var match: Bool {
        StateTable.allCases.allSatisfy { source[$0, default: 0] == target[$0, default: 0] }
    }

    var totalRows: Int { target.values.reduce(0, +) }

    /// One line per table: name, source count, target count, and `*` where they differ.
    func rendered(sourceTitle: String = "sqlite", targetTitle: String = "postgresql") -> String {
        let names = StateTable.allCases.map { $0 == .deletionJournal ? "deletion_journal (done)" : $0.name }
        let nameWidth = max("table".count, names.map(\.count).max() ?? 0)
        let sourceTexts = StateTable.allCases.map { "\(source[$0, default: 0])" }
        let targetTexts = StateTable.allCases.map { "\(target[$0, default: 0])" }
        let sourceWidth = max(sourceTitle.count, sourceTexts.map(\.count).max() ?? 0)
        let targetWidth = max(targetTitle.count, targetTexts.map(\.count).max() ?? 0)
        func line(_ name: String, _ left: String, _ right: String, _ mark: String) -> String {
            let text =
                name + String(repeating: " ", count: nameWidth - name.count) + "  "
                + String(repeating: " ", count: sourceWidth - left.count) + left + "  "
                + String(repeating: " ", count: targetWidth - right.count) + right
            return mark.isEmpty ? text : text + " " + mark
        }
        var lines = [line("table", sourceTitle, targetTitle, "")]
        for (index, table) in StateTable.allCases.enumerated() {
            let differs = source[table, default: 0] != target[table, default: 0]
            lines.append(line(names[index], sourceTexts[index], targetTexts[index], differs ? "*" : ""))
        }
        return lines.joined(separator: "\n")
    }
}
