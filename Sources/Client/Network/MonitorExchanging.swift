import MonitorProtocol

/// Sends one request and waits for its answer. The NIO connection implements it; tests can fake it.
protocol MonitorExchanging {
    func send(_ operation: MonitorOperation) async throws -> MonitorResponse
}
