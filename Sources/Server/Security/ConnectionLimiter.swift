import Synchronization

/// Caps connections in total and per client address (addresses in the exempt ranges have no per-address cap).
final class ConnectionLimiter: Sendable {
    enum Decision: Equatable {
        case admitted
        case overTotal
        case overPerAddress
    }

    private let state = Mutex<(total: Int, perAddress: [String: Int])>((0, [:]))
    private let maximumTotal: Int
    private let maximumPerAddress: Int
    private let exempt: [AddressRange]

    init(maximumTotal: Int, maximumPerAddress: Int, exempt: [AddressRange]) {
        self.maximumTotal = maximumTotal
        self.maximumPerAddress = maximumPerAddress
        self.exempt = exempt
    }

    /// Counts a new connection when it is within the limits; every admitted one must be `release`d.
    func admit(_ address: String) -> Decision {
        let isExempt = exempt.contains(address: address)
        return state.withLock { state in
            guard state.total < maximumTotal else { return .overTotal }
            let current = state.perAddress[address, default: 0]
            guard isExempt || current < maximumPerAddress else { return .overPerAddress }
            state.total += 1
            state.perAddress[address] = current + 1
            return .admitted
        }
    }

    func release(_ address: String) {
        state.withLock { state in
            state.total -= 1
            let remaining = state.perAddress[address, default: 1] - 1
            state.perAddress[address] = remaining > 0 ? remaining : nil
        }
    }
}
