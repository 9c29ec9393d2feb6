import ArgumentParser

/// The five workloads of issue 6.
enum Scenario: String, ExpressibleByArgument, CaseIterable, Sendable {
    case A, B, C, D, E

    func run(_ settings: BenchSettings) async -> Measurement {
        switch self {
        case .A: await LoginStorm.run(settings)
        case .B: await SmallMessages.run(settings)
        case .C: await LargeMessage.run(settings)
        case .D: await IdleSessions.run(settings)
        case .E: await BigMaildrop.run(settings)
        }
    }
}
