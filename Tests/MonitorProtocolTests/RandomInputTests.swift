import MonitorProtocol
import Testing

/// Random and mutated bytes never trap any decoder (a stand-in for the libFuzzer target, on every test run), and
/// the request decoder's verdict does not depend on how the bytes were split into reads.
@Suite struct RandomInputTests {
    /// Runs every decoding path over `bytes`, fed in random chunks, and checks the invariants.
    static func exercise(_ bytes: [UInt8], using generator: inout SplitMix64) {
        var chunks: [Int] = []
        var left = bytes.count
        while left > 0 {
            let chunk = Int.random(in: 1...left, using: &generator)
            chunks.append(chunk)
            left -= chunk
        }
        let chunked = requestSteps(bytes, chunks: chunks)
        #expect(chunked == requestSteps(bytes, chunks: bytes.isEmpty ? [] : [bytes.count]), "\(bytes)")
        for step in chunked {
            switch step {
            case .frame(let frame):
                _ = frame.token
                if let operation = try? frame.operation() {
                    _ = operation.logDescription
                }
                _ = MonitorResponse.failure(MonitorFailure(.badData, "x"), to: frame).encoded()
            case .failure(let error):
                // A refusal is never answered with the OK status.
                #expect(error.response.encoded().first != 0x00, "\(error)")
            case .needMore:
                break
            }
        }

        for version in MonitorVersion.allCases {
            var responses = MonitorResponseDecoder(version: version)
            responses.feed(bytes)
            while case .frame(let frame) = responses.next() {
                for operation in RoundTripTests.bothVersions + RoundTripTests.v2Only + RoundTripTests.v1Only {
                    let request = MonitorRequest(
                        version: version, requestID: frame.requestID, token: seedToken, operation: operation)
                    _ = try? MonitorResponse.decode(frame, for: request)
                }
            }
        }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(state: 0x5EED)
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...64, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Steer half the cases to a known version so the deeper paths run too.
            if !bytes.isEmpty && Bool.random(using: &generator) {
                bytes[0] = UInt8.random(in: 1...2, using: &generator)
            }
            Self.exercise(bytes, using: &generator)
        }
    }

    @Test func mutatedValidFramesNeverTrap() throws {
        var generator = SplitMix64(state: 0xF00D)
        var seeds: [[UInt8]] = []
        for operation in RoundTripTests.bothVersions + RoundTripTests.v1Only {
            seeds.append(try MonitorRequest(version: .v1, token: seedToken, operation: operation).encoded())
        }
        for operation in RoundTripTests.bothVersions + RoundTripTests.v2Only {
            let request = MonitorRequest(version: .v2, requestID: 1, token: seedToken, operation: operation)
            seeds.append(try request.encoded())
            let frame = try requireFrame(try request.encoded())
            for index in RoundTripTests.replies.indices {
                seeds.append(MonitorResponse.success(RoundTripTests.replies[index].1, to: frame).encoded())
            }
        }
        for _ in 0..<3_000 {
            var bytes = seeds.randomElement(using: &generator) ?? []
            for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                }
            }
            Self.exercise(bytes, using: &generator)
        }
    }

    /// The frames the request decoder yields for `bytes` fed in reads of `chunks` octets, in order, up to and
    /// including its first failure.
    static func requestSteps(_ bytes: [UInt8], chunks: [Int]) -> [MonitorRequestDecoder.Step] {
        var decoder = MonitorRequestDecoder()
        var steps: [MonitorRequestDecoder.Step] = []
        var offset = 0
        for chunk in chunks {
            decoder.feed(bytes[offset..<(offset + chunk)])
            offset += chunk
            while true {
                let step = decoder.next()
                if step == .needMore { break }
                steps.append(step)
                if case .failure = step { return steps }
            }
        }
        return steps
    }
}
