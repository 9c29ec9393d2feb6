/// One page of a v2 list answer. Entries are in ascending byte order of their key (name or session id);
/// the next page is asked for with `after` = the last key of this page.
public struct ListPage<Entry: Sendable & Hashable>: Sendable, Hashable {
    public var entries: [Entry]
    /// True when entries after the last one were left out.
    public var more: Bool

    public init(entries: [Entry], more: Bool) {
        self.entries = entries
        self.more = more
    }

    /// The page after `cursor` (empty: from the start) out of all entries, in any order; at most
    /// `MonitorLimits.maxListPageEntries` entries. Servers build every list answer with this.
    public static func page(of all: [Entry], after cursor: String, key: (Entry) -> String) -> ListPage {
        let keyed = all.map { (key: Array(key($0).utf8), entry: $0) }
        let cursorBytes = Array(cursor.utf8)
        let following = keyed.filter { cursorBytes.isEmpty || cursorBytes.lexicographicallyPrecedes($0.key) }
        let sorted = following.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        let limit = MonitorLimits.maxListPageEntries
        return ListPage(entries: sorted.prefix(limit).map(\.entry), more: sorted.count > limit)
    }
}
