import POP3Core

/// Which mechanism a connection's next login uses, from the command lines the client sent: `USER` for USER/PASS,
/// the named one for `AUTH <mechanism>` (its continuation lines leave it as it is). Only for the metrics' label.
struct LoginMechanismTracker {
    private(set) var mechanism = "USER"

    mutating func observe(_ inbound: POP3Inbound) {
        guard case .line(let bytes) = inbound else { return }
        let words = bytes.prefix(64).split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard let verb = words.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else { return }
        switch verb {
        case "USER", "PASS": mechanism = "USER"
        case "AUTH" where words.count > 1:
            mechanism = DetailedMetrics.mechanismLabel(String(decoding: words[1], as: UTF8.self))
        default: break
        }
    }
}
