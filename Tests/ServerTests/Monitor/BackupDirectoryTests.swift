import Testing

@testable import Server

@Suite struct BackupDirectoryTests {
    private let directory = BackupDirectory("/var/lib/pop3d/")!

    @Test(arguments: [
        ("nightly.sqlite", "/var/lib/pop3d/nightly.sqlite"),
        ("/var/lib/pop3d/nightly.sqlite", "/var/lib/pop3d/nightly.sqlite"),
        ("..hidden-but-fine", "/var/lib/pop3d/..hidden-but-fine"),
    ])
    func namesInsideTheFolderAreAccepted(requested: String, destination: String) throws {
        #expect(try directory.destination(for: requested) == destination)
    }

    @Test(arguments: [
        "/etc/ld.so.preload", "/var/lib/pop3d/sub/x.sqlite", "/var/lib/pop3d/../x.sqlite", "/var/lib/pop3d.sqlite",
        "/var/lib/pop3dx/a", "sub/x.sqlite", "../x.sqlite", "", ".", "..", "/var/lib/pop3d/", "/var/lib/pop3d/..",
        String(repeating: "n", count: 256),
    ])
    func everythingElseIsRefused(requested: String) {
        #expect(throws: (any Error).self) { try directory.destination(for: requested) }
    }

    @Test func onlyAnAbsoluteFolderWithoutDotsMayBeConfigured() {
        #expect(BackupDirectory("backups") == nil)
        #expect(BackupDirectory("/srv/../etc") == nil)
        #expect(BackupDirectory("/srv/./b") == nil)
        #expect(BackupDirectory("/")?.path == "/")
        #expect((try? BackupDirectory("/")?.destination(for: "/b.db")) == "/b.db")
    }
}
