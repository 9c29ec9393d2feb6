import ArgumentParser

/// SASL SCRAM-SHA-256: off by default, because its verifiers are cheaper to attack than the scrypt hashes.
struct SCRAMOptions: ParsableArguments {
    @Flag(
        name: .customLong("sasl-scram"),
        help: ArgumentHelp(
            "Offer SASL SCRAM-SHA-256 and keep its verifiers (off unless given).",
            discussion: """
                A user's verifier is written at their next successful USER/PASS or AUTH PLAIN login (and for an app \
                password used that way); until then SCRAM refuses them. A PBKDF2 verifier costs an attacker who \
                has the database far less per guess than scrypt: see documentation/authentication.md.
                """))
    var enabled = false

    @Option(
        name: .customLong("scram-iterations"),
        help: "PBKDF2 iterations of a new SCRAM salt (4096...1000000; existing verifiers keep theirs).")
    var iterations = 4096

    func validate() throws {
        guard (4096...1_000_000).contains(iterations) else {
            throw ValidationError("--scram-iterations must be 4096...1000000")
        }
    }
}
