/// One run's results: named figures, the correctness tally, wall time and the client's CPU time.
struct Measurement: Sendable {
    struct Figure: Sendable {
        let name: String
        let value: Double
    }
    var figures: [Figure] = []
    var tally = Tally()
    var wallSeconds = 0.0
    var clientCPUSeconds = 0.0

    mutating func record(_ name: String, _ value: Double) { figures.append(Figure(name: name, value: value)) }
}
