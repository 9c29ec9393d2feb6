/// Correctness counters and work done; every counter but the work ones must stay zero.
struct Tally: Sendable {
    var sessions = 0
    var messages = 0
    var octets = 0
    /// A `-ERR` (or anything not `+OK`) where `+OK` was due.
    var errorReplies = 0
    /// A line ended by LF alone, or a reply line the client could not parse.
    var malformedLines = 0
    /// A line inside a multi-line reply starting with "." that was not stuffed.
    var unstuffedDots = 0
    /// RETR octets against LIST, or a STAT size against the sum of LIST.
    var sizeMismatches = 0
    /// STAT or LIST counts against each other or against the fixtures.
    var countMismatches = 0
    /// Connections refused, reset or closed before the reply was complete.
    var connectionFailures = 0
    /// The first unexpected reply, to say what went wrong.
    var firstProblem: String?

    var failures: Int {
        errorReplies + malformedLines + unstuffedDots + sizeMismatches + countMismatches + connectionFailures
    }

    static func + (left: Tally, right: Tally) -> Tally {
        var sum = left
        sum.sessions += right.sessions
        sum.messages += right.messages
        sum.octets += right.octets
        sum.errorReplies += right.errorReplies
        sum.malformedLines += right.malformedLines
        sum.unstuffedDots += right.unstuffedDots
        sum.sizeMismatches += right.sizeMismatches
        sum.countMismatches += right.countMismatches
        sum.connectionFailures += right.connectionFailures
        sum.firstProblem = left.firstProblem ?? right.firstProblem
        return sum
    }

    var failureText: String {
        "errors=\(failures) (err-replies=\(errorReplies) malformed=\(malformedLines) unstuffed-dots=\(unstuffedDots) "
            + "size-mismatch=\(sizeMismatches) count-mismatch=\(countMismatches) conn-fail=\(connectionFailures))"
            + (firstProblem.map { " first: \($0)" } ?? "")
    }
}
