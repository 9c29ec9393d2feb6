/// Why the harness could not do what a test asked; the text says what to look at.
struct IntegrationError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
