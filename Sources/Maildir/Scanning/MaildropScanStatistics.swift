/// Counters from one `MaildirStore.open`.
public struct MaildropScanStatistics: Sendable, Equatable {
    /// Files moved from `new/` to `cur/`.
    public var movedFromNew = 0
    /// Message files read to compute their wire size (index misses).
    public var filesRead = 0
    /// Octets read for those sizes.
    public var bytesRead = 0
    /// Messages whose size came from the index.
    public var indexHits = 0
    /// Entries ignored: dot files, non-UTF-8 names, symlinks, folders, FIFOs and other special files, files that
    /// vanished while scanning.
    public var skippedEntries = 0
    /// Messages marked with the keep-on-delete keyword, left out of the listing.
    public var hiddenMessages = 0
    /// Why the index could not be read or written; the scan goes on without it.
    public var indexError: String?
    /// Messages answered with the UIDL Dovecot gave them (`UIDLSource.dovecot`).
    public var dovecotUIDLs = 0
    /// Why `dovecot-uidlist` could not be used; every message then keeps pop3d's own UIDL.
    public var uidListError: String?
    /// True when the maildrop was not scanned: its folders were unchanged since its last scan, whose listing was
    /// used (see `MaildropListing`).
    public var fromListing = false

    public init() {}
}
