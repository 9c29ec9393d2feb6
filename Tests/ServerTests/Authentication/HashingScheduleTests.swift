import Testing

@testable import Server

/// The hashing queue's order and admission, driven with made-up job times (no threads, no clock).
@Suite struct HashingScheduleTests {
    /// Offers `jobs` of `group` in turn; returns which were admitted.
    private func offer<Job>(_ jobs: [Job], group: String, to schedule: inout HashingSchedule<Job>) -> [Bool] {
        jobs.map { schedule.admit($0, group: group) }
    }

    /// Drains the schedule, returning the jobs in serving order.
    private func drain<Job>(_ schedule: inout HashingSchedule<Job>) -> [Job] {
        var served: [Job] = []
        while let job = schedule.next() { served.append(job) }
        return served
    }

    @Test func oneClientIsServedFirstInFirstOut() {
        var schedule = HashingSchedule<String>(threads: 2, maximumWait: 10, initialJobTime: 0.01)
        let admitted = offer(["a1", "a2", "a3", "a4", "a5"], group: "192.0.2.1", to: &schedule)
        #expect(admitted == Array(repeating: true, count: 5))
        #expect(schedule.waiting == 5)
        let served = drain(&schedule)
        #expect(served == ["a1", "a2", "a3", "a4", "a5"])
        #expect(schedule.waiting == 0)
    }

    @Test func clientsAreServedInTurn() {
        var schedule = HashingSchedule<String>(threads: 1, maximumWait: 10, initialJobTime: 0.01)
        var admitted = offer(["a1", "a2", "a3", "a4"], group: "A", to: &schedule)
        admitted += offer(["b1", "b2"], group: "B", to: &schedule)
        admitted += offer(["c1"], group: "C", to: &schedule)
        #expect(admitted == Array(repeating: true, count: 7))
        let served = drain(&schedule)
        #expect(served == ["a1", "b1", "c1", "a2", "b2", "a3", "a4"])
    }

    @Test func theBoundIsTheExpectedWaitNotACount() {
        // 2 threads, 0.1 s a job, 1 s allowed: a job may have 20 before it (20 × 0.1 / 2 = 1 s).
        var schedule = HashingSchedule<Int>(threads: 2, maximumWait: 1, initialJobTime: 0.1)
        let first = offer(Array(0...21), group: "A", to: &schedule)
        #expect(first == Array(repeating: true, count: 21) + [false])
        #expect(schedule.waiting == 21)
        // Cheaper jobs measured: the same bound holds more of them.
        for _ in 0..<100 { schedule.finished(took: 0.01) }
        #expect(schedule.meanJobTime < 0.02)
        let cheap = offer([21], group: "A", to: &schedule)
        #expect(cheap == [true])
        // Dearer jobs measured: fewer.
        for _ in 0..<100 { schedule.finished(took: 1) }
        let dear = offer([22], group: "A", to: &schedule)
        #expect(dear == [false])
    }

    @Test func aFloodingClientCannotCrowdOutAnother() {
        var schedule = HashingSchedule<String>(threads: 2, maximumWait: 1, initialJobTime: 0.1)
        let flood = offer((0..<1_000).map { "flood\($0)" }, group: "198.51.100.9", to: &schedule)
        #expect(flood.filter { $0 }.count == 21)
        // The honest client's first job has one flood job before it, not 21.
        #expect(schedule.expectedWait(for: "192.0.2.1") <= 0.05 + 1e-9)
        let honest = offer(["honest"], group: "192.0.2.1", to: &schedule)
        #expect(honest == [true])
        let firstTwo = [schedule.next(), schedule.next()]
        #expect(firstTwo == ["flood0", "honest"])
    }

    @Test func aCrowdOfClientsIsAdmittedWhileTheWaitAllows() {
        // 500 clients with one login each, 2 threads at 5 ms: 500 × 5 ms / 2 = 1.25 s, within 30 s.
        var schedule = HashingSchedule<Int>(threads: 2, maximumWait: 30, initialJobTime: 0.005)
        let admitted = (0..<500).map { schedule.admit($0, group: "client\($0)") }
        #expect(admitted.allSatisfy { $0 })
        let served = drain(&schedule)
        #expect(served == Array(0..<500))
    }

    @Test func theWaitCountsOneJobPerRoundOfEveryOtherClient() {
        // 1 thread, 1 s a job, 3 s allowed; past the fast path (all waiting work within the bound) the place counts.
        var schedule = HashingSchedule<String>(threads: 1, maximumWait: 3, initialJobTime: 1)
        let first = offer(["a0", "a1", "a2"], group: "A", to: &schedule)
        // B's first two wait for at most 3 s; a third would wait for b0, b1 and one A job per round: 5 s.
        let second = offer(["b0", "b1"], group: "B", to: &schedule)
        #expect(first + second == Array(repeating: true, count: 5))
        #expect(schedule.expectedWait(for: "B") == 5)
        let third = offer(["b2"], group: "B", to: &schedule)
        #expect(third == [false])
        // C's first job waits for one job of A and one of B.
        #expect(schedule.expectedWait(for: "C") == 2)
        #expect(schedule.waiting == 5)
    }
}
