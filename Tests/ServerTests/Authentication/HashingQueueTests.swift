import Foundation
import Synchronization
import Testing

@testable import Server

/// The hashing queue on real threads: a gate job holds the only thread while the test queues jobs, so the order is
/// decided by the queue alone (no sleeps: the test waits for the queue to report what it holds).
@Suite struct HashingQueueTests {
    /// Holds a hashing thread until opened.
    private final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        func wait() { semaphore.wait() }
        func open() { semaphore.signal() }
    }

    /// The order jobs ran in.
    private final class Order: Sendable {
        let names = Mutex<[String]>([])
        func append(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    private func waitUntil(_ queue: HashingQueue, running: Int, waiting: Int) async {
        while queue.load.running != running || queue.load.waiting != waiting { await Task.yield() }
    }

    /// Queues a job for `client` that appends `name` to `order`; returns once the queue holds it.
    private func queueJob(
        _ name: String, client: String, on queue: HashingQueue, order: Order
    ) async -> Task<Void, any Error> {
        let before = queue.load.waiting
        let task = Task {
            try await HashingQueue.$client.withValue(client) {
                try await queue.run { order.append(name) }
            }
        }
        await waitUntil(queue, running: 1, waiting: before + 1)
        return task
    }

    @Test func jobsRunInTheirClientsTurnAndAFloodIsRefusedPastItsShare() async throws {
        // One thread, 1 s assumed per job, 3 s allowed: one client alone may queue 4 jobs (3 before the last).
        let queue = HashingQueue(threads: 1, maximumWait: .seconds(3), initialJobTime: .seconds(1))
        let gate = Gate()
        let order = Order()
        let hold = Task { try await queue.run { gate.wait() } }
        await waitUntil(queue, running: 1, waiting: 0)
        var jobs: [Task<Void, any Error>] = []
        for index in 0..<4 {
            jobs.append(await queueJob("flood\(index)", client: "2001:db8:1:2::7", on: queue, order: order))
        }
        // The fifth would wait 4 s: refused at once, also from another address of the same /64.
        await #expect(throws: HashingQueue.Full.self) {
            try await HashingQueue.$client.withValue("2001:db8:1:2::8") { try await queue.run {} }
        }
        // Another client still gets in, and is served after one flood job, not four.
        jobs.append(await queueJob("honest", client: "192.0.2.1", on: queue, order: order))
        #expect(queue.load.waiting == 5)
        gate.open()
        try await hold.value
        for job in jobs { try await job.value }
        #expect(order.all == ["flood0", "honest", "flood1", "flood2", "flood3"])
        #expect(queue.load.running == 0)
        #expect(queue.load.waiting == 0)
        try await queue.shutdown()
    }

    @Test func measuredJobTimesReplaceTheFirstGuess() async throws {
        let queue = HashingQueue(threads: 2, maximumWait: .seconds(30), initialJobTime: .seconds(10))
        for _ in 0..<50 { try await queue.run {} }
        #expect(queue.load.meanJobTime < .seconds(1))
        try await queue.shutdown()
    }

    @Test func aResultAndAnErrorComeBack() async throws {
        struct Failed: Error {}
        let queue = HashingQueue(threads: 1, maximumWait: .seconds(1), initialJobTime: .milliseconds(1))
        #expect(try await queue.run { 42 } == 42)
        await #expect(throws: Failed.self) { try await queue.run { throw Failed() } }
        try await queue.shutdown()
    }

    @Test func theFirstGuessScalesWithTheCost() {
        #expect(HashingQueue.estimatedJobTime(cost: 15) == .milliseconds(150))
        #expect(HashingQueue.estimatedJobTime(cost: 16) == .milliseconds(300))
        #expect(HashingQueue.estimatedJobTime(cost: 10) < .milliseconds(5))
    }
}
