/// The command sequences scenarios share, each checking what it reads.
extension POP3Connection {
    func login(_ user: String, _ password: String) async throws {
        try await send("USER \(user)")
        try await expectOK()
        try await send("PASS \(password)")
        try await expectOK()
    }

    /// STAT's count and size; `expected` is the fixture's message count when known.
    func stat(expected: Int?) async throws -> (count: Int, size: Int) {
        try await send("STAT")
        let numbers = ReplyNumbers.parse(try await expectOK())
        guard numbers.count >= 2 else {
            tally.malformedLines += 1
            throw SessionFailure.malformed
        }
        if let expected, numbers[0] != expected {
            tally.countMismatches += 1
            throw SessionFailure.mismatch
        }
        return (numbers[0], numbers[1])
    }

    /// LIST's sizes (index 0 is message 1), checked against STAT.
    func list(against stat: (count: Int, size: Int)) async throws -> [Int] {
        try await send("LIST")
        try await expectOK()
        let body = try await multiline(collect: true)
        var sizes: [Int] = []
        sizes.reserveCapacity(body.collected.count)
        for (index, line) in body.collected.enumerated() {
            let numbers = ReplyNumbers.parse(line)
            guard numbers.count == 2, numbers[0] == index + 1 else {
                tally.malformedLines += 1
                throw SessionFailure.malformed
            }
            sizes.append(numbers[1])
        }
        if sizes.count != stat.count { tally.countMismatches += 1 }
        if sizes.reduce(0, +) != stat.size { tally.sizeMismatches += 1 }
        return sizes
    }

    /// Reads one RETR reply (status already requested) and checks its octets against LIST.
    func retrieved(size: Int) async throws {
        try await expectOK()
        let body = try await multiline(collect: false)
        if body.octets != size { tally.sizeMismatches += 1 }
        tally.messages += 1
        tally.octets += body.octets
    }

    func quit() async throws {
        try await send("QUIT")
        try await expectOK()
        try await awaitClose()
        tally.sessions += 1
    }
}
