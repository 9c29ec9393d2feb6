import ArgumentParser

/// The five workloads of issue 6; F: a crowd of first logins; G and H: probes for the scaling curves.
enum Scenario: String, ExpressibleByArgument, CaseIterable, Sendable {
    case A, B, C, D, E, F, G, H

    func run(_ settings: BenchSettings) async -> Measurement {
        switch self {
        case .A: await LoginStorm.run(settings)
        case .B: await SmallMessages.run(settings)
        case .C: await LargeMessage.run(settings)
        case .D: await IdleSessions.run(settings)
        case .E: await BigMaildrop.run(settings)
        case .F: await LoginCrowd.run(settings)
        case .G: await MaildropProbe.run(settings)
        case .H: await WarmLogins.run(settings)
        }
    }
}
