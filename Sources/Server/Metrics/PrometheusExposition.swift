import MonitorProtocol

/// The Prometheus text exposition format 0.0.4 of the live metrics: `# HELP`, `# TYPE` and the samples of each
/// family, then `pop3d_build_info{node="…",version="…"} 1`. Every sample carries the `node` label, so the series of
/// the nodes of a cluster stay apart even when a scrape's target labels do not tell them apart.
///
/// Written by hand rather than with swift-prometheus: the values already live in `ServerMetrics`' atomics, which
/// the monitor protocol and the history sampler read too, and every sample needs the `node` label.
public enum PrometheusExposition {
    /// The `Content-Type` Prometheus expects for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The whole scrape body, one metric family after another, ending with a line feed. `node` is the server's node
    /// name (`--node-name`, by default the host name).
    public static func render(_ metrics: ServerMetrics, version: String, node: String) -> String {
        var out = Writer(node: node)
        out.family("process_start_time_seconds", "When this pop3d process started, in Unix seconds.", .gauge)
        out.sample("process_start_time_seconds", value: format(metrics.startedAt.timeIntervalSince1970))
        let snapshot = metrics.snapshot()
        for (metric, value) in snapshot {
            guard let family = PrometheusMetric(metric) else { continue }
            out.family(family.name, family.help, family.kind)
            out.sample(family.name, value: format(Double(value) * family.factor))
        }
        out.family("pop3d_sessions_ended_total", "POP3 sessions ended, by reason.", .counter)
        for (metric, value) in snapshot {
            guard let reason = PrometheusMetric.sessionEndReason(metric) else { continue }
            out.sample("pop3d_sessions_ended_total", ["reason": reason], value: "\(value)")
        }
        renderDetail(metrics.detail, to: &out)
        out.family("pop3d_build_info", "The running pop3d's version; the value is always 1.", .gauge)
        out.sample("pop3d_build_info", ["version": version], value: "1")
        return out.text
    }

    private static func renderDetail(_ detail: DetailedMetrics, to out: inout Writer) {
        out.counters(
            "pop3d_logins_total", "POP3 login attempts, by mechanism and result (ok, failed, in_use, error).",
            detail.logins)
        out.counters(
            "pop3d_login_failures_total",
            "Refused POP3 logins, by reason (bad_credentials, in_use, busy, error).", detail.loginFailures)
        out.histograms(
            "pop3d_login_duration_seconds",
            "Time to check a login, by mechanism and auth cache hit or miss (without the failure delay).",
            detail.loginDuration)
        out.histogram(
            "pop3d_hashing_queue_wait_seconds", "Time a password check waited for a hashing thread.",
            detail.hashingWait)
        out.family("pop3d_hashing_queue_jobs", "Password checks waiting or running now.", .gauge)
        out.sample("pop3d_hashing_queue_jobs", value: "\(detail.hashingJobs.load(ordering: .relaxed))")
        out.family(
            "pop3d_hashing_queue_capacity", "Password checks that may wait or run before one is refused.", .gauge)
        out.sample("pop3d_hashing_queue_capacity", value: "\(detail.hashingLimit.load(ordering: .relaxed))")
        out.family(
            "pop3d_hashing_queue_refused_total", "Password checks refused because the hashing queue was full.",
            .counter)
        out.sample("pop3d_hashing_queue_refused_total", value: "\(detail.hashingRefused.current)")
        out.histogram(
            "pop3d_retr_duration_seconds", "Time from a RETR to its message's last octet handed to the connection.",
            detail.retrDuration)
        out.histogram("pop3d_retr_size_bytes", "Size of the messages sent by RETR.", detail.retrSize)
        out.histogram(
            "pop3d_session_duration_seconds", "Length of POP3 sessions, connect to close.", detail.sessionDuration)
        out.histogram(
            "pop3d_quit_commit_duration_seconds", "Time to apply a QUIT's deletions (the UPDATE state).",
            detail.quitCommit)
        let pending = detail.journalPending.load(ordering: .relaxed)
        let committing = detail.journalCommitting.load(ordering: .relaxed)
        if pending >= 0, committing >= 0 {
            out.family(
                "pop3d_deletion_journal_rows",
                "Deletion-journal rows by state; committing rows are QUITs being applied.", .gauge)
            out.sample("pop3d_deletion_journal_rows", ["state": "committing"], value: "\(committing)")
            out.sample("pop3d_deletion_journal_rows", ["state": "pending"], value: "\(pending)")
        }
        if let notAfter = detail.certificateNotAfter {
            out.family(
                "pop3d_tls_certificate_not_after_timestamp_seconds",
                "When the served TLS certificate expires, in Unix seconds.", .gauge)
            out.sample("pop3d_tls_certificate_not_after_timestamp_seconds", value: "\(notAfter)")
        }
    }

    /// A number as Prometheus reads it: whole numbers without a fraction.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return "\(Int64(value))" }
        return "\(value)"
    }

    /// HELP text: backslash and line feed are escaped.
    static func escapeHelp(_ text: String) -> String {
        escape(text, quotes: false)
    }

    /// Label values: backslash, double quote and line feed are escaped.
    static func escapeLabelValue(_ text: String) -> String {
        escape(text, quotes: true)
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quotes: escaped += "\\\""
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Builds the body; the `node` label comes first on every sample.
    private struct Writer {
        let nodeLabel: String
        var text = ""

        init(node: String) {
            nodeLabel = "node=\"\(escapeLabelValue(node))\""
        }

        mutating func family(_ name: String, _ help: String, _ kind: PrometheusMetric.Kind) {
            text += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        }

        mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], value: String) {
            sample(name, labels.map { ($0.key, $0.value) }, value: value)
        }

        mutating func sample(_ name: String, _ labels: [(String, String)], value: String) {
            var rendered = nodeLabel
            for (key, labelValue) in labels { rendered += ",\(key)=\"\(escapeLabelValue(labelValue))\"" }
            text += "\(name){\(rendered)} \(value)\n"
        }

        mutating func counters(_ name: String, _ help: String, _ family: LabelledFamily<LabelledCounter>) {
            self.family(name, help, .counter)
            for (values, counter) in family.all() {
                sample(name, Array(zip(family.labelNames, values)), value: "\(counter.current)")
            }
        }

        mutating func histogram(_ name: String, _ help: String, _ histogram: MetricHistogram) {
            family(name, help, .histogram)
            buckets(name, [], histogram)
        }

        mutating func histograms(_ name: String, _ help: String, _ family: LabelledFamily<MetricHistogram>) {
            self.family(name, help, .histogram)
            for (values, histogram) in family.all() {
                buckets(name, Array(zip(family.labelNames, values)), histogram)
            }
        }

        private mutating func buckets(_ name: String, _ labels: [(String, String)], _ histogram: MetricHistogram) {
            let (cumulative, sum) = histogram.snapshot()
            for (index, count) in cumulative.enumerated() {
                let bound = index < histogram.bounds.count ? format(histogram.bounds[index]) : "+Inf"
                sample(name + "_bucket", labels + [("le", bound)], value: "\(count)")
            }
            sample(name + "_sum", labels, value: format(sum))
            sample(name + "_count", labels, value: "\(cumulative.last ?? 0)")
        }
    }
}
