/// Formats runs and the medians over them.
enum Report {
    static func line(_ measurement: Measurement) -> String {
        var parts = measurement.figures.map { "\($0.name)=\(format($0.value))" }
        parts.append("wall_s=\(format(measurement.wallSeconds))")
        parts.append("client_cpu_s=\(format(measurement.clientCPUSeconds))")
        parts.append(
            "client_cpu_pct=\(format(100 * measurement.clientCPUSeconds / max(measurement.wallSeconds, 1e-9)))")
        return parts.joined(separator: " ")
    }

    /// "RESULT scenario=X name=median … errors=total" over all runs.
    static func result(scenario: Scenario, _ measurements: [Measurement]) -> String {
        guard let first = measurements.first else { return "RESULT scenario=\(scenario.rawValue) runs=0" }
        var parts = ["RESULT", "scenario=\(scenario.rawValue)", "runs=\(measurements.count)"]
        for (position, figure) in first.figures.enumerated() {
            let values = measurements.compactMap {
                $0.figures.indices.contains(position) ? $0.figures[position].value : nil
            }
            parts.append("\(figure.name)=\(format(median(values)))")
        }
        parts.append("wall_s=\(format(median(measurements.map(\.wallSeconds))))")
        parts.append("client_cpu_s=\(format(median(measurements.map(\.clientCPUSeconds))))")
        let total = measurements.map(\.tally).reduce(Tally(), +)
        parts.append("errors=\(total.failures)")
        return parts.joined(separator: " ")
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
