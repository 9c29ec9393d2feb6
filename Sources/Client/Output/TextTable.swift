/// A plain-text table with a header row; numeric columns are right-aligned.
struct TextTable: Sendable {
    enum Alignment: Sendable { case left, right }

    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? headers.map { _ in .left }
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table as lines joined by "\n", columns separated by two spaces, no trailing spaces.
    func rendered() -> String {
        let all = [headers] + rows
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (column, cell) in row.prefix(widths.count).enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        let lines = all.map { row in
            var cells: [String] = []
            for column in widths.indices {
                let cell = column < row.count ? row[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                let alignment = column < alignments.count ? alignments[column] : .left
                cells.append(alignment == .right ? padding + cell : cell + padding)
            }
            return String(cells.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
        return lines.joined(separator: "\n")
    }
}
