import Testing

@testable import Maildir

@Suite struct DovecotUIDListTests {
    private func parse(_ text: String) -> DovecotUIDList? {
        DovecotUIDList(parsing: Array(text.utf8))
    }

    @Test func version3AsDovecot23WritesIt() throws {
        let list = try #require(
            parse(
                """
                3 V1795757721 N5 Gccf75e089916096b3f35000083ecc375
                1 W72 :1700000001.M1P100.mx
                2 W73 :1700000002.M2P100.mx:2,S
                4 :1700000004.M4P100.mx

                """))
        #expect(list.uidValidity == 1_795_757_721)
        #expect(list.records["1700000001.M1P100.mx"] == .init(uid: 1, uidl: "000000016b091699"))
        #expect(list.records["1700000002.M2P100.mx"] == .init(uid: 2, uidl: "000000026b091699"))
        #expect(list.records["1700000004.M4P100.mx"] == .init(uid: 4, uidl: "000000046b091699"))
        #expect(list.records.count == 3)
    }

    @Test func defaultFormatIsEightLowerCaseHexDigitsEach() {
        #expect(DovecotUIDList.defaultUIDL(uid: 1, uidValidity: 0x6B09_16CF) == "000000016b0916cf")
        #expect(DovecotUIDList.defaultUIDL(uid: .max, uidValidity: .max) == "ffffffffffffffff")
        #expect(DovecotUIDList.defaultUIDL(uid: 0xABC, uidValidity: 1) == "00000abc00000001")
    }

    @Test func version1HasPositionalHeaderAndPlainFileNames() throws {
        let list = try #require(parse("1 1200000000 3\n1 1100000000.P1.host\n2 1100000001.P2.host:2,RS\n"))
        #expect(list.uidValidity == 1_200_000_000)
        #expect(list.records["1100000000.P1.host"]?.uidl == "0000000147868c00")
        #expect(list.records["1100000001.P2.host"]?.uid == 2)
    }

    @Test func aKeptPOP3UIDLWinsAndAnEmptyOneMeansTheBaseName() throws {
        let list = try #require(
            parse("3 V10 N4\n1 Pold-server-uidl-1 W50 :a.host\n2 P :b.host:2,\n3 O2 W9 :c.host\n"))
        #expect(list.records["a.host"]?.uidl == "old-server-uidl-1")
        #expect(list.records["b.host"]?.uidl == "b.host")
        #expect(list.records["c.host"]?.uidl == "000000030000000a")
    }

    @Test(arguments: [
        "", "\n1 :a\n", "4 V1 N2\n", "3 N2\n", "3 V0 N2\n", "3 Vx N2\n", "1 5\n", "1 0 2\n", "x 1 2\n",
        "3 V99999999999 N2\n",
    ])
    func headersDovecotWouldNotWriteAreRefused(text: String) {
        #expect(parse(text) == nil)
    }

    @Test func unreadableRecordsAreSkipped() throws {
        let list = try #require(
            parse(
                "3 V7 N9\n0 :zero.host\nx :x.host\n5 W1\n6 W1 :\n7 :ok.host\n99999999999 :big.host\n-1 :neg.host\n"))
        #expect(list.records.keys.sorted() == ["ok.host"])
        #expect(list.records["ok.host"]?.uid == 7)
    }

    @Test func aPOP3UIDLThatIsNotAValidUIDLIsSkipped() throws {
        let tooLong = String(repeating: "u", count: 71)
        let list = try #require(parse("3 V7 N9\n1 P\(tooLong) :a.host\n2 :b.host\n"))
        #expect(list.records["a.host"] == nil)
        #expect(list.records["b.host"]?.uid == 2)
    }
}
