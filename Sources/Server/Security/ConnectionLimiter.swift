import Glibc
import Synchronization

/// Caps connections in total and per client (an address, or an IPv6 prefix: see `ClientGrouping`); addresses in
/// the exempt ranges have no per-client cap. A connection from a load balancer is counted under the balancer until
/// its PROXY header names the client, then moved to the client (`reassign`).
public final class ConnectionLimiter: Sendable {
    enum Decision: Equatable {
        case admitted
        case overTotal
        case overPerAddress
    }

    private let state = Mutex<(total: Int, perAddress: [String: Int])>((0, [:]))
    private let maximumTotal: Int
    private let maximumPerAddress: Int
    private let exempt: [AddressRange]
    private let grouping: ClientGrouping

    /// The limits `configuration` asks for, never above the process's open-file limit (less a reserve for the
    /// database, the listeners and message files). Balancers are exempt: their connections are their clients'.
    public convenience init(configuration: ServerConfiguration) {
        self.init(
            maximumTotal: min(configuration.maximumConnections, Self.descriptorLimit() - 64),
            maximumPerAddress: configuration.maximumConnectionsPerAddress,
            exempt: AddressRange.loopback + configuration.trustedNetworks + configuration.proxyTrustedNetworks,
            grouping: configuration.clientGrouping)
    }

    init(maximumTotal: Int, maximumPerAddress: Int, exempt: [AddressRange], grouping: ClientGrouping = .standard) {
        self.maximumTotal = maximumTotal
        self.maximumPerAddress = maximumPerAddress
        self.exempt = exempt
        self.grouping = grouping
    }

    /// Counts a new connection when it is within the limits; every admitted one must be `release`d.
    func admit(_ address: String) -> Decision {
        let isExempt = exempt.contains(address: address)
        let client = grouping.key(for: address)
        return state.withLock { state in
            guard state.total < maximumTotal else { return .overTotal }
            let current = state.perAddress[client, default: 0]
            guard isExempt || current < maximumPerAddress else { return .overPerAddress }
            state.total += 1
            state.perAddress[client] = current + 1
            return .admitted
        }
    }

    /// Moves an admitted connection from `old` (a balancer) to `new` (the client its PROXY header names), under the
    /// per-client cap of `new`; the total does not change. When refused, the connection stays counted under `old`.
    func reassign(from old: String, to new: String) -> Decision {
        let isExempt = exempt.contains(address: new)
        let (from, to) = (grouping.key(for: old), grouping.key(for: new))
        guard from != to else { return .admitted }
        return state.withLock { state in
            let current = state.perAddress[to, default: 0]
            guard isExempt || current < maximumPerAddress else { return .overPerAddress }
            state.perAddress[to] = current + 1
            let remaining = state.perAddress[from, default: 1] - 1
            state.perAddress[from] = remaining > 0 ? remaining : nil
            return .admitted
        }
    }

    func release(_ address: String) {
        let client = grouping.key(for: address)
        state.withLock { state in
            state.total -= 1
            let remaining = state.perAddress[client, default: 1] - 1
            state.perAddress[client] = remaining > 0 ? remaining : nil
        }
    }

    /// The process's open-file limit: more connections than this cannot be served anyway.
    static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max / 2 }
        return Int(clamping: min(limit.rlim_cur, UInt(Int.max / 2)))
    }
}
