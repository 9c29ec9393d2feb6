/// A small bar chart drawn with block characters: one column per value (grouped when there are more values
/// than columns), `height` rows, each cell filled in eighths.
struct BlockChart: Sendable {
    private static let eighths: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    var height = 8
    var maxColumns = 72

    /// The chart's rows, top first, each prefixed by a scale label on the top and bottom rows.
    func rendered(_ values: [Double]) -> String {
        let columns = grouped(values)
        guard !columns.isEmpty else { return "(no data)" }
        let top = columns.max() ?? 0
        let scale = top > 0 ? top : 1
        let topLabel = NumberText.compact(top)
        let bottomLabel = "0"
        let labelWidth = max(topLabel.count, bottomLabel.count)
        var lines: [String] = []
        for row in stride(from: height - 1, through: 0, by: -1) {
            var line = ""
            for value in columns {
                let filledEighths = Int((max(0, value) / scale * Double(height * 8)).rounded())
                let inCell = min(8, max(0, filledEighths - row * 8))
                line.append(Self.eighths[inCell])
            }
            let label = row == height - 1 ? topLabel : (row == 0 ? bottomLabel : "")
            let padded = String(repeating: " ", count: labelWidth - label.count) + label
            lines.append(padded + " ┤" + line)
        }
        return lines.joined(separator: "\n")
    }

    /// At most `maxColumns` values: consecutive values are merged, keeping the largest, so peaks stay visible.
    func grouped(_ values: [Double]) -> [Double] {
        guard values.count > maxColumns, maxColumns > 0 else { return values }
        let groupSize = (values.count + maxColumns - 1) / maxColumns
        return stride(from: 0, to: values.count, by: groupSize).map { start in
            values[start..<min(start + groupSize, values.count)].max() ?? 0
        }
    }
}
