@testable import POP3Core

/// What TRANSACTION commands must answer, given the maildrop the model holds: STAT and LIST agree with the
/// listing minus deletions, UIDL lists the same messages, and message commands act only on visible messages.
enum TransactionExpectations {
    static func check(_ command: POP3Command, _ actions: [POP3SessionAction], model: SessionModel) {
        let visible = model.visibleNumbers
        switch command {
        case .stat:
            invariant(actions == [.send(.ok("\(visible.count) \(model.visibleOctets)"))], "STAT answered \(actions)")
        case .noop:
            invariant(actions == [.send(.ok(""))], "NOOP answered \(actions)")
        case .capa:
            invariant(contentLines(actions)?.contains("UIDL") == true, "CAPA answered \(actions)")
        case .list(nil):
            let lines = visible.map { "\($0) \(model.listing[$0 - 1].size)" }
            invariant(contentLines(actions) == lines, "LIST answered \(actions)")
        case .uidl(nil):
            let lines = visible.map { "\($0) \(model.listing[$0 - 1].uidl)" }
            invariant(contentLines(actions) == lines, "UIDL answered \(actions)")
        case .list(let number?):
            expect(number, model, actions, success: .send(.ok("\(number) \(size(number, model))")))
        case .uidl(let number?):
            let uidl = model.isVisible(number) ? model.listing[number - 1].uidl : ""
            expect(number, model, actions, success: .send(.ok("\(number) \(uidl)")))
        case .retr(let number):
            expect(
                number, model, actions,
                success: .sendMessage(
                    number: number, status: .messageFollows(size: size(number, model)), bodyLines: nil, readAhead: [])
            )
        case .top(let number, let lines):
            expect(
                number, model, actions,
                success: .sendMessage(
                    number: number, status: .messageFollows(size: size(number, model)), bodyLines: lines, readAhead: [])
            )
        case .dele(let number):
            expect(number, model, actions, success: .recordDeletion(number: number))
        case .rset:
            if model.deleted.isEmpty {
                invariant(actions.count == 1 && SessionModel.isOK(actions[0]), "RSET answered \(actions)")
            } else {
                invariant(actions == [.resetDeletions], "RSET answered \(actions)")
            }
        case .quit:
            if model.deleted.isEmpty {
                invariant(actions.count == 2 && actions[1] == .close(.quit), "QUIT answered \(actions)")
            } else {
                invariant(actions == [.commitDeletions(numbers: model.deleted.sorted())], "QUIT answered \(actions)")
            }
        default:
            invariant(SessionModel.isError(actions.first), "\(command) in TRANSACTION answered \(actions)")
        }
    }

    private static func size(_ number: Int, _ model: SessionModel) -> Int {
        model.isVisible(number) ? model.listing[number - 1].size : -1
    }

    /// A visible message gets exactly `success`; any other number gets -ERR (and maybe a close).
    private static func expect(
        _ number: Int, _ model: SessionModel, _ actions: [POP3SessionAction], success: POP3SessionAction
    ) {
        if model.isVisible(number) {
            invariant(actions == [success], "message \(number) answered \(actions), expected \(success)")
        } else {
            invariant(SessionModel.isError(actions.first), "message \(number) is not visible, answered \(actions)")
        }
    }

    private static func contentLines(_ actions: [POP3SessionAction]) -> [String]? {
        guard actions.count == 1, case .send(.multiline(_, let lines)) = actions[0] else { return nil }
        return lines
    }
}
