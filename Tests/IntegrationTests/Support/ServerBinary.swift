import Foundation

/// Finds the `pop3d` executable that `swift build --build-tests` put beside the test bundle.
enum ServerBinary {
    /// Overrides the search, for running the tests against an installed binary.
    static let environmentVariable = "POP3D_BINARY"

    static func path() throws -> String {
        if let given = ProcessInfo.processInfo.environment[environmentVariable], !given.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: given) else {
                throw IntegrationError("\(environmentVariable)=\(given) is not an executable file")
            }
            return given
        }
        var tried: [String] = []
        for start in startingFolders() {
            var folder = start
            // The test bundle sits in the bin folder (or inside it, on Darwin); pop3d is its sibling.
            for _ in 0..<4 {
                let candidate = folder.appendingPathComponent("pop3d").path
                tried.append(candidate)
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                folder.deleteLastPathComponent()
            }
        }
        throw IntegrationError(
            "pop3d not found (run `swift build --build-tests` first, or set \(environmentVariable)); tried: "
                + tried.joined(separator: ", "))
    }

    private static func startingFolders() -> [URL] {
        var folders: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        folders.append(executable.deletingLastPathComponent())
        folders.append(Bundle.main.bundleURL.standardizedFileURL)
        // <package>/Tests/IntegrationTests/Support/ServerBinary.swift → <package>/.build/debug
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        folders.append(package.appendingPathComponent(".build/debug"))
        return folders
    }
}
