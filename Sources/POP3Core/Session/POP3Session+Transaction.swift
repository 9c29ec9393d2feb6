/// Commands of the TRANSACTION state: STAT, LIST, UIDL, RETR, TOP, DELE, NOOP, RSET, CAPA, QUIT.
extension POP3Session {
    mutating func transaction(_ command: POP3Command) -> [POP3SessionAction] {
        switch command {
        case .capa:
            return succeed(capabilities)
        case .noop:
            return succeed(.ok(""))
        case .stat:
            return succeed(.ok("\(maildrop.visibleCount) \(maildrop.visibleOctets)"))
        case .list(nil):
            let lines = maildrop.visible.map { "\($0.number) \($0.entry.size)" }
            return succeed(.multiline("\(maildrop.visibleCount) messages (\(maildrop.visibleOctets) octets)", lines))
        case .list(let number?):
            return withMessage(number) { session, entry in session.succeed(.ok("\(number) \(entry.size)")) }
        case .uidl(nil):
            return succeed(.multiline("", maildrop.visible.map { "\($0.number) \($0.entry.uidl)" }))
        case .uidl(let number?):
            return withMessage(number) { session, entry in session.succeed(.ok("\(number) \(entry.uidl)")) }
        case .retr(let number):
            return withMessage(number) { session, entry in
                session.sendMessage(number, size: entry.size, bodyLines: nil)
            }
        case .top(let number, let lines):
            return withMessage(number) { session, entry in
                session.sendMessage(number, size: entry.size, bodyLines: lines)
            }
        case .dele(let number):
            return withMessage(number) { session, _ in
                session.pending = .deletion(number: number)
                return [.recordDeletion(number: number)]
            }
        case .rset:
            guard !maildrop.deletedNumbers.isEmpty else { return succeed(.ok(maildropSummary)) }
            pending = .reset
            return [.resetDeletions]
        case .quit:
            let numbers = maildrop.deletedNumbers
            // EXPIRE 0: what was retrieved goes at this UPDATE, DELE or not.
            let expiring = policy?.expiresAtUpdate == true ? maildrop.retrievedNotDeleted : []
            guard !numbers.isEmpty || !expiring.isEmpty else { return close(.quit, after: .ok("Logging out.")) }
            state = .update
            pending = .update
            return [.commitDeletions(numbers: numbers, expiring: expiring)]
        case .user, .pass, .auth, .stls, .apop:
            return badCommand(.err(nil, POP3ErrorText.wrongState))
        }
    }

    private mutating func withMessage(
        _ number: Int,
        _ body: (inout POP3Session, MaildropEntry) -> [POP3SessionAction]
    ) -> [POP3SessionAction] {
        switch maildrop.entry(number) {
        case .success(let entry): return body(&self, entry)
        case .failure(.noSuchMessage): return badCommand(.err(nil, POP3ErrorText.noSuchMessage))
        case .failure(.alreadyDeleted): return badCommand(.err(nil, POP3ErrorText.alreadyDeleted(number)))
        }
    }

    private mutating func sendMessage(_ number: Int, size: Int, bodyLines: Int?) -> [POP3SessionAction] {
        pending = .message(number: number, isTop: bodyLines != nil)
        badCommandsInARow = 0
        let readAhead = bodyLines == nil ? readAheadCandidates(after: number) : []
        return [
            .sendMessage(
                number: number, status: .messageFollows(size: size), bodyLines: bodyLines, readAhead: readAhead)
        ]
    }
}
