public import Logging
public import ServiceLifecycle
import UnixSignals

/// Re-reads the TLS certificate and key on SIGHUP, without dropping any session.
public struct TLSReloadService: Service {
    private let credentials: TLSCredentials
    private let logger: Logger

    public init(credentials: TLSCredentials, logger: Logger) {
        self.credentials = credentials
        self.logger = logger
    }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            do {
                try credentials.reload()
                logger.notice("TLS certificate reloaded", metadata: ["certificate": "\(credentials.certificatePath)"])
            } catch {
                logger.error("TLS reload failed; keeping the old certificate", metadata: ["error": "\(error)"])
            }
        }
    }
}
