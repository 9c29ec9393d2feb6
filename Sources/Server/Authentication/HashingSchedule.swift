/// The order and admission of password-hashing jobs, without threads or clocks (the queue drives it, tests drive it
/// with made-up job times). Each client group has its own FIFO queue; groups are served round-robin, one job per
/// turn, so a client with one login waits for at most one job of every other waiting client, however many another
/// client has queued.
///
/// A job is admitted when the wait its place implies is within `maximumWait`: the jobs served before it (its own
/// group's queue, plus from every other group as many as round-robin serves first: up to one per round it waits)
/// times the measured mean job time, divided by the threads. So the bound is time, not a count: a crowd of cheap
/// hashes queues deep, a crowd of expensive ones less; and one group's queue can never hold more than
/// `maximumWait` of work (its per-group cap), whatever the others do.
struct HashingSchedule<Job> {
    /// One group's waiting jobs, first at `head` (the array is compacted when it empties).
    private struct GroupQueue {
        var jobs: [Job] = []
        var head = 0
        var count: Int { jobs.count - head }

        mutating func popFirst() -> Job {
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    let threads: Int
    /// Seconds a new job may expect to wait before it is refused.
    let maximumWait: Double
    /// Exponentially weighted mean of recent job times, seconds.
    private(set) var meanJobTime: Double
    private var groups: [String: GroupQueue] = [:]
    /// Groups with waiting jobs, in serving order from `rotationHead`.
    private var rotation: [String] = []
    private var rotationHead = 0
    /// Jobs waiting (not running), all groups.
    private(set) var waiting = 0

    init(threads: Int, maximumWait: Double, initialJobTime: Double) {
        self.threads = max(1, threads)
        self.maximumWait = max(0, maximumWait)
        self.meanJobTime = max(initialJobTime, 1e-6)
    }

    /// Jobs waiting in `group`'s queue.
    func waiting(in group: String) -> Int {
        groups[group]?.count ?? 0
    }

    /// Seconds a job of `group` admitted now would wait for a thread (once the running jobs free one).
    func expectedWait(for group: String) -> Double {
        // Fast path: even if every waiting job came first, the wait is within the bound.
        let upperBound = Double(waiting) * meanJobTime / Double(threads)
        if upperBound <= maximumWait { return upperBound }
        let place = waiting(in: group)
        var ahead = place
        for (key, queue) in groups where key != group {
            ahead += min(queue.count, place + 1)
        }
        return Double(ahead) * meanJobTime / Double(threads)
    }

    /// Queues `job` for `group` and returns true, or returns false when the wait it implies is past the bound.
    mutating func admit(_ job: Job, group: String) -> Bool {
        guard expectedWait(for: group) <= maximumWait else { return false }
        if groups[group, default: GroupQueue()].count == 0 { rotation.append(group) }
        groups[group, default: GroupQueue()].jobs.append(job)
        waiting += 1
        return true
    }

    /// The next job to run: the first of the group whose turn it is; that group goes to the end of the rotation.
    mutating func next() -> Job? {
        guard rotationHead < rotation.count else { return nil }
        let group = rotation[rotationHead]
        rotationHead += 1
        let job = groups[group]!.popFirst()
        waiting -= 1
        if groups[group]!.count > 0 {
            rotation.append(group)
        } else {
            groups[group] = nil
        }
        if rotationHead == rotation.count {
            rotation.removeAll(keepingCapacity: true)
            rotationHead = 0
        } else if rotationHead >= 64, rotationHead * 2 >= rotation.count {
            rotation.removeFirst(rotationHead)
            rotationHead = 0
        }
        return job
    }

    /// Feeds a finished job's time into the mean (weight 1/8: it follows a change of cost or load within a few
    /// dozen jobs, and one slow job moves it little).
    mutating func finished(took seconds: Double) {
        meanJobTime += (max(seconds, 1e-6) - meanJobTime) / 8
    }
}
