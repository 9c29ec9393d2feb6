import Foundation
import Testing

@testable import Server

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

    @Test func separateTablesExcludeEachOtherThroughFlock() throws {
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
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        // The child holds the lock until its stdin closes, then exits and the kernel drops the lock.
        holder.arguments = ["-n", directory + "/" + MaildropLocks.lockFileName, "-c", "echo locked; read line"]
        let input = Pipe()
        let output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        let said = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        #expect(said == "locked\n")

        let locks = MaildropLocks()
        #expect(throws: MaildropLockError.inUse) { try locks.acquire(user: maildir.user(), directory: directory) }
        #expect(!locks.isHeld(directory: directory))

        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        try locks.acquire(user: maildir.user(), directory: directory).release()
    }
}
