import Foundation
import Glibc
import Logging
import MonitorProtocol
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import Server

@Suite struct EventLoopWatchdogTests {
    /// A loop blocked for 300 ms is counted as a stall, and the window's gauge shows about 300 ms.
    @Test func aBlockedLoopIsCountedAndItsLatenessReported() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let metrics = ServerMetrics()
        let watchdog = EventLoopWatchdog(
            group: loops, metrics: metrics, logger: Logger(label: "test"), interval: .milliseconds(20),
            stallThreshold: .milliseconds(100), window: .seconds(5))
        let services = ServiceGroup(
            configuration: .init(services: [.init(service: watchdog)], logger: Logger(label: "test")))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await services.run() }

            // Block the loop until the watchdog has seen the block: a busy machine may start the service late,
            // and may also make a tick late (a shorter stall), so only a lag of about the block's length counts.
            let before = metrics.value(.eventLoopStalls)
            let deadline = ContinuousClock.now + .seconds(30)
            while metrics.value(.eventLoopLagMaxMilliseconds) < 250, ContinuousClock.now < deadline {
                _ = try await loops.next().submit { usleep(300_000) }.get()
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(metrics.value(.eventLoopStalls) > before)
            let lag = metrics.value(.eventLoopLagMaxMilliseconds)
            #expect((250...2_000).contains(lag), "\(lag) ms")

            await services.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try await loops.shutdownGracefully()
    }
}
