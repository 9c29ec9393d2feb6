public import Foundation
public import MonitorProtocol
public import Storage
import Synchronization

/// The live metrics of the process: lock-free counters and gauges, read by the monitor and the sampler.
public final class ServerMetrics: Sendable {
    /// One atomic value; a class so the table below can hold it.
    private final class Cell: Sendable {
        let value = Atomic<Int64>(0)
    }

    private let cells: [Cell] = MetricID.allCases.map { _ in Cell() }
    /// When this process started; uptime is measured from here.
    public let startedAt: Date
    /// Histograms, labelled counters and gauges only `/metrics` shows.
    public let detail: DetailedMetrics

    public init(startedAt: Date = Date(), detail: DetailedMetrics = DetailedMetrics()) {
        self.startedAt = startedAt
        self.detail = detail
    }

    /// Adds `amount` to a metric (a negative amount lowers a gauge).
    public func add(_ metric: MetricID, _ amount: Int64 = 1) {
        cells[Int(metric.rawValue)].value.wrappingAdd(amount, ordering: .relaxed)
    }

    /// Sets a gauge.
    public func set(_ metric: MetricID, _ value: Int64) {
        cells[Int(metric.rawValue)].value.store(value, ordering: .relaxed)
    }

    /// The current value of a metric.
    public func value(_ metric: MetricID) -> Int64 {
        if metric == .uptimeSeconds { return Int64(Date().timeIntervalSince(startedAt)) }
        return cells[Int(metric.rawValue)].value.load(ordering: .relaxed)
    }

    /// Every metric's current value, in `MetricID` order.
    public func snapshot() -> [(MetricID, Int64)] {
        MetricID.allCases.map { ($0, value($0)) }
    }

    /// Continues the counters from the totals stored by an earlier run (gauges start from zero).
    public func resume(from stored: [MetricKey: Double]) {
        for metric in MetricID.allCases where metric.isCounter {
            guard let total = stored[MetricKey(metric.name)], total.isFinite, total > 0 else { continue }
            cells[Int(metric.rawValue)].value.store(Int64(min(total, Double(Int64.max / 2))), ordering: .relaxed)
        }
    }
}
