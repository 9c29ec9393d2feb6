/// Where the UIDLs of a maildrop's messages come from.
public enum UIDLSource: String, Sendable, CaseIterable {
    /// pop3d's own: the message's base name (or a hash of it).
    case pop3d
    /// Dovecot's, for messages listed in the maildrop's `dovecot-uidlist`: its default `pop3_uidl_format`
    /// `%08Xu%08Xv`, so clients that leave mail on the server do not fetch it again after a switch. Listed
    /// messages come first, in Dovecot's UID order; messages Dovecot never saw follow with pop3d's own UIDLs.
    case dovecot
}
