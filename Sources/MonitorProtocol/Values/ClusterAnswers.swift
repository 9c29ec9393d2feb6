/// One node a cluster metrics answer covered.
public struct ClusterNode: Sendable, Hashable {
    /// The node's name (pop3d's `--node-name`).
    public var name: String
    /// Unix seconds of the node's newest stored sample; for the answering node, the time of the answer (its values
    /// are live).
    public var newestSample: Int64
    /// False when the newest sample is too old: the node is taken for dead, and its gauges were left out of the sums
    /// (its counters' totals still count).
    public var gaugesCounted: Bool

    public init(name: String, newestSample: Int64, gaugesCounted: Bool) {
        self.name = name
        self.newestSample = newestSample
        self.gaugesCounted = gaugesCounted
    }
}

/// The v2 answer to "cluster metrics": every metric combined over the nodes that share the server's database.
public struct ClusterMetricsSnapshot: Sendable, Hashable {
    /// The node that answered (whose values are live rather than stored).
    public var node: String
    /// How many nodes were combined, the answering one included; at least `nodes.count`.
    public var nodeCount: UInt32
    /// The nodes combined, at most `MonitorLimits.maxClusterNodesListed`: those with the newest samples first.
    public var nodes: [ClusterNode]
    /// The combined values, at the answering node's time.
    public var metrics: MetricsSnapshot

    public init(node: String, nodeCount: UInt32, nodes: [ClusterNode], metrics: MetricsSnapshot) {
        self.node = node
        self.nodeCount = nodeCount
        self.nodes = nodes
        self.metrics = metrics
    }
}

/// The v2 answer to "cluster history": one metric's history combined over the nodes that share the database.
public struct ClusterHistorySeries: Sendable, Hashable {
    /// The node that answered.
    public var node: String
    /// How many nodes had samples in the range and were combined; at least `nodes.count`.
    public var nodeCount: UInt32
    /// Their names in ascending byte order, at most `MonitorLimits.maxClusterNodesListed`.
    public var nodes: [String]
    public var series: HistorySeries

    public init(node: String, nodeCount: UInt32, nodes: [String], series: HistorySeries) {
        self.node = node
        self.nodeCount = nodeCount
        self.nodes = nodes
        self.series = series
    }
}
