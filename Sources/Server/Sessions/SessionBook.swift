/// What every connection reports to: the live-session table, the metrics and the activity recorder.
struct SessionBook: Sendable {
    let liveSessions: LiveSessions
    let metrics: ServerMetrics
    let recorder: ActivityRecorder
}
