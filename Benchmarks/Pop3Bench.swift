@main struct Pop3Bench { static func main() { print("pop3bench: not yet") } }
