import ArgumentParser
import Dispatch
import Foundation
import Server

extension Pop3dCommand {
    /// pop3d's entry point. Synchronous on purpose: Swift's asynchronous entry point parks the main thread inside
    /// `pthread_exit` (libdispatch's `dispatch_main`), where glibc's setuid no longer reaches it, and `--user` would
    /// leave the thread that `ps` and /proc/PID/status show running as root. Here the main thread waits on a
    /// semaphore while the command runs on the concurrency pool, so the privilege drop reaches it too.
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await runFromCommandLine()
            finished.signal()
        }
        finished.wait()
    }

    /// Reads `--config FILE` before ArgumentParser parses the command line (the file's lines become options in
    /// front of the real ones) and answers `--print-config`; then runs pop3d as ArgumentParser would.
    /// `pop3d migrate …` is a command of its own, with none of pop3d's options or its configuration file.
    static func runFromCommandLine() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "migrate" {
            await MigrateCommand.main(Array(arguments.dropFirst()))
            return
        }
        let resolution: ConfigurationResolver<Pop3dCommand>.Resolution
        do {
            resolution = try ConfigurationResolver<Pop3dCommand>().resolve(arguments)
        } catch {
            FileHandle.standardError.write(Data("pop3d: \(error)\n".utf8))
            Foundation.exit(Self.configurationExitCode)
        }
        if resolution.printRequested {
            do {
                _ = try Pop3dCommand.parse(resolution.arguments)
            } catch {
                Pop3dCommand.exit(withError: error)
            }
            print(
                EffectiveConfiguration.render(resolution.settings, version: ServerConfiguration.version), terminator: ""
            )
            return
        }
        await main(resolution.arguments)
    }

    /// sysexits' EX_CONFIG: the configuration file is unusable.
    static let configurationExitCode: Int32 = 78
}
