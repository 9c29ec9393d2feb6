import Foundation
import Storage
import Testing

@testable import Maildir

@Suite struct MaildropLocksTests {
    @Test func secondAcquireIsInUseUntilReleased() throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let locks = MaildropLocks()
        let user = try maildir.user()
        let directory = maildir.root + "/alice"
        let lock = try locks.acquire(user: user, directory: directory)
        #expect(locks.isHeld(directory: directory))
        #expect(throws: MaildropLockError.inUse) { try locks.acquire(user: user, directory: directory) }
        lock.release()
        lock.release()
        #expect(!locks.isHeld(directory: directory))
        let again = try locks.acquire(user: user, directory: directory)
        again.release()
    }

    @Test func separateTablesExcludeEachOtherThroughTheKernel() throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let user = try maildir.user()
        let directory = maildir.root + "/alice"
        let lock = try MaildropLocks().acquire(user: user, directory: directory)
        let other = MaildropLocks()
        #expect(throws: MaildropLockError.inUse) { try other.acquire(user: user, directory: directory) }
        #expect(!other.isHeld(directory: directory))
        lock.release()
        try other.acquire(user: user, directory: directory).release()
    }

    @Test func droppedLockIsReleased() throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let locks = MaildropLocks()
        let user = try maildir.user()
        let directory = maildir.root + "/alice"
        do { _ = try locks.acquire(user: user, directory: directory) }
        try locks.acquire(user: user, directory: directory).release()
    }

    @Test func lockHeldByAnotherProcessIsInUse() throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let directory = maildir.root + "/alice"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let inode = try #require(try FileManager.default.attributesOfItem(atPath: directory)[.systemFileNumber] as? Int)
        // The child holds a POSIX record lock on the maildrop's byte until its stdin closes; such locks and
        // pop3d's open-file-description locks exclude each other.
        let holder = try Self.holdLock(
            """
            import fcntl, os, sys
            fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, int(sys.argv[2]))
            print("locked", flush=True)
            sys.stdin.readline()
            """, arguments: [maildir.root + "/" + MaildropLocks.lockFileName, String(inode)])

        let locks = MaildropLocks()
        #expect(throws: MaildropLockError.inUse) { try locks.acquire(user: maildir.user(), directory: directory) }
        #expect(!locks.isHeld(directory: directory))
        let other = try #require(MailboxName("bob"))
        try locks.acquire(user: other, directory: maildir.root + "/bob").release()

        try holder.finish()
        try locks.acquire(user: maildir.user(), directory: directory).release()
        #expect(!FileManager.default.fileExists(atPath: directory + "/" + MaildropLocks.lockFileName))
    }

    @Test func unusableRootLockFileFallsBackToFlockInTheMaildrop() throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        // A directory where the root's lock file belongs: it cannot be opened for writing.
        try FileManager.default.createDirectory(
            atPath: maildir.root + "/" + MaildropLocks.lockFileName, withIntermediateDirectories: true)
        let directory = maildir.root + "/alice"
        let lock = try MaildropLocks().acquire(user: maildir.user(), directory: directory)
        #expect(FileManager.default.fileExists(atPath: directory + "/" + MaildropLocks.lockFileName))
        #expect(throws: MaildropLockError.inUse) {
            try MaildropLocks().acquire(user: maildir.user(), directory: directory)
        }
        let holder = try Self.holdLock(
            """
            import fcntl, os, sys
            fd = os.open(sys.argv[1], os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                print("locked", flush=True)
            except BlockingIOError:
                print("busy", flush=True)
            sys.stdin.readline()
            """, arguments: [directory + "/" + MaildropLocks.lockFileName], expecting: "busy\n")
        try holder.finish()
        lock.release()
        try MaildropLocks().acquire(user: maildir.user(), directory: directory).release()
    }

    /// A python3 child that reports on stdout, then waits for its stdin to close.
    private struct LockHolder {
        let process: Process
        let input: Pipe

        func finish() throws {
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    private static func holdLock(
        _ script: String, arguments: [String], expecting expected: String = "locked\n"
    ) throws -> LockHolder {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var said = Data()
        while !said.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said.append(chunk)
        }
        #expect(String(decoding: said, as: UTF8.self) == expected)
        return LockHolder(process: process, input: input)
    }
}
