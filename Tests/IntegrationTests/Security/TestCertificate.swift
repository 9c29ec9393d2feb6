import Foundation

/// A self-signed certificate and its key, made with the openssl command in the workspace.
struct TestCertificate: Sendable {
    let certificatePath: String
    let keyPath: String

    /// pop3d's options that turn TLS on with this certificate.
    var options: [String] { ["--tls-cert", certificatePath, "--tls-key", keyPath] }

    /// Writes `<name>.cert.pem` and `<name>.key.pem` (or the given paths) for `CN=<commonName>`.
    static func make(
        in workspace: Workspace, name: String = "server", commonName: String = "localhost",
        certificatePath: String? = nil, keyPath: String? = nil
    ) async throws -> TestCertificate {
        let certificate = certificatePath ?? workspace.path("\(name).cert.pem")
        let key = keyPath ?? workspace.path("\(name).key.pem")
        let result = try await ExternalCommand.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                "-subj", "/CN=\(commonName)",
            ], timeout: 30)
        guard result.status == 0 else { throw IntegrationError("openssl req failed: \(result)") }
        return TestCertificate(certificatePath: certificate, keyPath: key)
    }
}
