import Synchronization

/// A Prometheus histogram: cumulative buckets with fixed upper bounds, a sum and a count, each an atomic, so an
/// observation takes no lock. Observations are whole numbers of a small unit (`unit` of them make one base unit:
/// nanoseconds for `_seconds`, bytes for `_bytes`), so the sum stays exact.
public final class MetricHistogram: Sendable {
    /// Upper bounds in base units (seconds, bytes), ascending; `+Inf` is implied.
    public let bounds: [Double]
    /// How many observed units make one base unit.
    public let unit: Double
    private let limits: [Int64]
    /// Per bucket (not cumulative), the last one for over the largest bound.
    private let counts: [Cell]
    private let total = Atomic<Int64>(0)

    private final class Cell: Sendable {
        let value = Atomic<Int64>(0)
    }

    public init(bounds: [Double], unit: Double) {
        self.bounds = bounds
        self.unit = unit
        limits = bounds.map { Int64(($0 * unit).rounded()) }
        counts = (0...bounds.count).map { _ in Cell() }
    }

    /// Records one observation of `units` (clamped at zero).
    public func observe(_ units: Int64) {
        let value = max(0, units)
        let index = limits.firstIndex { value <= $0 } ?? limits.count
        counts[index].value.wrappingAdd(1, ordering: .relaxed)
        total.wrappingAdd(value, ordering: .relaxed)
    }

    /// Records a duration, for histograms in seconds (`unit` 1e9).
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// The cumulative counts per bound (the last is `+Inf`, the count), and the sum in base units.
    public func snapshot() -> (cumulative: [Int64], sum: Double) {
        var running: Int64 = 0
        let cumulative = counts.map { cell in
            running += cell.value.load(ordering: .relaxed)
            return running
        }
        return (cumulative, Double(total.load(ordering: .relaxed)) / unit)
    }
}

/// Bucket bounds shared by the histograms.
public enum HistogramBounds {
    /// Short waits and logins: 0.5 ms to 10 s.
    public static let latency: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    /// Transfers: 1 ms to 2 min.
    public static let transfer: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120]
    /// Whole sessions: 10 ms to 2 h.
    public static let session: [Double] = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1_800, 3_600, 7_200]
    /// Message sizes: 1 KiB to 64 MiB.
    public static let size: [Double] = [
        1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864,
    ]
}

/// A family of series told apart by label values (a histogram or a counter per combination). The values come from
/// a fixed small set each (mechanism names, reasons), so the number of series stays bounded.
public final class LabelledFamily<Series: Sendable>: Sendable {
    public let labelNames: [String]
    private let make: @Sendable () -> Series
    private let series = Mutex<[[String]: Series]>([:])

    public init(labelNames: [String], make: @escaping @Sendable () -> Series) {
        self.labelNames = labelNames
        self.make = make
    }

    /// The series for these label values (created on first use).
    public func callAsFunction(_ values: String...) -> Series {
        precondition(values.count == labelNames.count)
        return series.withLock { table in
            if let found = table[values] { return found }
            let created = make()
            table[values] = created
            return created
        }
    }

    /// Every series, sorted by label values, so the exposition's order is stable.
    public func all() -> [(values: [String], series: Series)] {
        series.withLock { table in
            table.map { ($0.key, $0.value) }.sorted { $0.values.lexicographicallyPrecedes($1.values) }
        }
    }
}

/// One counter of a labelled family.
public final class LabelledCounter: Sendable {
    private let value = Atomic<Int64>(0)

    public init() {}

    public func increment(_ amount: Int64 = 1) {
        value.wrappingAdd(amount, ordering: .relaxed)
    }

    public var current: Int64 { value.load(ordering: .relaxed) }
}
