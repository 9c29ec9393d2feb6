public import Synchronization

/// What `/metrics` shows beyond the `MetricID` values that `pop3ctl stats` reads: latency and size histograms,
/// counters by label, and gauges only Prometheus needs. They live as long as the process (Prometheus handles a
/// restart's reset); the `MetricID` counters continue from the database's totals.
public final class DetailedMetrics: Sendable {
    /// Time from the credentials to the answer (before the throttle's delay on a failure), by SASL mechanism
    /// (`USER` for USER/PASS) and by whether the auth cache answered (`hit`) or the password hash ran (`miss`).
    public let loginDuration = LabelledFamily(labelNames: ["mechanism", "cache"]) {
        MetricHistogram(bounds: HistogramBounds.latency, unit: 1e9)
    }
    /// Login attempts by mechanism and result (`ok`, `failed`, `in_use`, `error`).
    public let logins = LabelledFamily(labelNames: ["mechanism", "result"]) { LabelledCounter() }
    /// Failed logins by reason: `bad_credentials`, `in_use`, `busy` (hashing queue full), `error`.
    public let loginFailures = LabelledFamily(labelNames: ["reason"]) { LabelledCounter() }
    /// Time a password check waited for a hashing thread.
    public let hashingWait = MetricHistogram(bounds: HistogramBounds.latency, unit: 1e9)
    /// Password checks waiting or running now, and how many may be before one is refused.
    public let hashingJobs = Atomic<Int64>(0)
    public let hashingLimit = Atomic<Int64>(0)
    /// Password checks refused because the hashing queue was full.
    public let hashingRefused = LabelledCounter()
    /// RETR: from the command to the message's last octet handed to the connection; and the message's size.
    public let retrDuration = MetricHistogram(bounds: HistogramBounds.transfer, unit: 1e9)
    public let retrSize = MetricHistogram(bounds: HistogramBounds.size, unit: 1)
    /// From connect to close.
    public let sessionDuration = MetricHistogram(bounds: HistogramBounds.session, unit: 1e9)
    /// QUIT's UPDATE: applying the deletion journal.
    public let quitCommit = MetricHistogram(bounds: HistogramBounds.latency, unit: 1e9)
    /// Deletion-journal rows by state, measured at each sample (-1: not measured yet).
    public let journalPending = Atomic<Int64>(-1)
    public let journalCommitting = Atomic<Int64>(-1)
    /// The serving certificate's not-after time, when TLS is configured.
    private let certificate = Mutex<(any CertificateExpiry)?>(nil)

    public init() {
        // Known series start at zero, so they exist (and rates work) before the first event.
        for reason in ["bad_credentials", "in_use", "busy", "error"] { _ = loginFailures(reason) }
        for mechanism in Self.offeredMechanisms {
            for result in ["ok", "failed"] { _ = logins(mechanism, result) }
            for cache in ["hit", "miss"] { _ = loginDuration(mechanism, cache) }
        }
    }

    /// Exports `source`'s not-after time (it may change on reload).
    public func watchCertificate(_ source: any CertificateExpiry) {
        certificate.withLock { $0 = source }
    }

    /// Unix seconds of the certificate's not-after time, or nil without TLS.
    public var certificateNotAfter: Int64? {
        certificate.withLock { $0?.notValidAfter }
    }
}

/// Something that serves a certificate and knows when it expires.
public protocol CertificateExpiry: Sendable {
    /// Unix seconds of the served certificate's not-after time.
    var notValidAfter: Int64 { get }
}

extension DetailedMetrics {
    /// The mechanisms whose login series exist from the start: USER/PASS and AUTH PLAIN.
    static let offeredMechanisms = ["USER", "PLAIN"]

    /// The `mechanism` label: the few names pop3d knows, anything else `other`, so a client cannot create series.
    public static func mechanismLabel(_ name: String) -> String {
        let upper = name.uppercased()
        return ["USER", "PLAIN", "LOGIN", "APOP", "SCRAM-SHA-256", "OAUTHBEARER", "XOAUTH2"].contains(upper)
            ? upper : "other"
    }
}
