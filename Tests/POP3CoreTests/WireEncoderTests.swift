import Testing
import WireTestSupport

@testable import POP3Core

@Suite struct WireEncoderTests {
    @Test func convertsBareLineFeedsAndKeepsCRLF() {
        #expect(encode("a\nb\r\nc\n") == "a\r\nb\r\nc\r\n.\r\n")
    }

    @Test func keepsLoneCarriageReturnAsData() {
        #expect(encode("a\rb\n") == "a\rb\r\n.\r\n")
        #expect(encode("a\r\r\n") == "a\r\r\n.\r\n")
    }

    @Test func stuffsLinesStartingWithDot() {
        #expect(encode(".\n..\n.x\nx.\n") == "..\r\n...\r\n..x\r\nx.\r\n.\r\n")
    }

    @Test func stuffsDotAtChunkBoundary() {
        // Every chunk size puts a boundary right before or after some dot.
        for size in 1...6 {
            #expect(encode("ab\n.c\n.\n", chunkSize: size) == "ab\r\n..c\r\n..\r\n.\r\n", "chunk size \(size)")
        }
    }

    @Test func joinsCRLFSplitAcrossChunks() {
        let bytes = Array("ab\r\ncd\r".utf8)
        let output = encodeInChunks(bytes, chunkSizes: [3, 1, 10]).output
        #expect(String(decoding: output, as: UTF8.self) == "ab\r\ncd\r\r\n.\r\n")
    }

    @Test func terminatesFinalLineWithoutLineEnd() {
        #expect(encode("Subject: x\n\nbody") == "Subject: x\r\n\r\nbody\r\n.\r\n")
    }

    @Test func emptyMessageIsOnlyTerminator() {
        #expect(encode("") == ".\r\n")
    }

    @Test func topWithZeroLinesSendsHeaderAndBlankLine() {
        let message = "A: 1\nB: 2\n\nline1\nline2\n"
        #expect(encode(message, bodyLines: 0) == "A: 1\r\nB: 2\r\n\r\n.\r\n")
    }

    @Test func topWithSomeLines() {
        let message = "A: 1\r\n\r\n.line1\r\nline2\r\nline3\r\n"
        #expect(encode(message, bodyLines: 2) == "A: 1\r\n\r\n..line1\r\nline2\r\n.\r\n")
        let result = encodeInChunks(Array(message.utf8), chunkSizes: [1], bodyLines: 2)
        #expect(result.complete)
    }

    @Test func topWithMoreLinesThanBodySendsWholeMessage() {
        let message = "A: 1\n\nline1\nlast"
        #expect(encode(message, bodyLines: 10) == encode(message))
    }

    @Test func topOfMessageWithoutBlankLineSendsEverything() {
        let message = "A: 1\nB: 2\n"
        #expect(encode(message, bodyLines: 0) == "A: 1\r\nB: 2\r\n.\r\n")
    }

    @Test func topBlankLineMadeOfCRLFSplitAcrossChunks() {
        let bytes = Array("A: 1\r\n\r\nbody\r\n".utf8)
        for size in 1...8 {
            let output = encodeInChunks(bytes, chunkSizes: [size], bodyLines: 0).output
            #expect(String(decoding: output, as: UTF8.self) == "A: 1\r\n\r\n.\r\n", "chunk size \(size)")
        }
    }

    @Test func sizeCounterMatchesKnownCases() {
        let cases: [(String, Int)] = [
            ("", 0), ("a\r\n", 3), ("a\n", 3), ("a", 3), ("a\nb\r\n", 6), ("\r", 3), ("a\r\r\n", 4), ("\n\n", 4),
        ]
        for (text, size) in cases {
            #expect(countWireSize(Array(text.utf8), chunkSize: 1) == size, "\(text.debugDescription)")
            #expect(countWireSize(Array(text.utf8), chunkSize: 100) == size, "\(text.debugDescription)")
        }
    }

    /// Chunks far larger than the output buffer's free space (the encoder works in slices that surely fit),
    /// including the worst case where every input octet becomes two.
    @Test(arguments: [5, 6, 8])
    func largeChunksIntoSmallBuffersMatchTheModel(seed: UInt64) {
        var random = MaildirTestRandom(state: seed)
        let alphabet = Array("ab.\r\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 20)
        let mixed = (0..<300_000).map { _ in alphabet.randomElement(using: &random)! }
        let worst = Array(repeating: Array(".\n".utf8), count: 100_000).flatMap { $0 } + Array("\n\n\r".utf8)
        for bytes in [mixed, worst] {
            for chunkSize in [bytes.count, 65_537, 300] {
                var encoder = WireEncoder()
                var out: [UInt8] = []
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + chunkSize)
                    out += encoder.encoded(bytes[offset..<end])
                    offset = end
                }
                out += encoder.finished()
                #expect(out == WireModel.encoded(bytes, bodyLines: nil), "chunk \(chunkSize)")
            }
        }
    }

    /// Random messages over an alphabet rich in line ends and dots: any chunking gives the model's bytes,
    /// and the counter agrees with what the encoder sends minus stuffing and terminator.
    @Test(arguments: [1, 2, 3, 7, 64])
    func randomChunkingMatchesModel(seed: UInt64) {
        var random = MaildirTestRandom(state: seed)
        let alphabet = Array(".\r\na:".utf8)
        for _ in 0..<200 {
            let length = Int.random(in: 0...60, using: &random)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
            let bodyLines: Int? = Bool.random(using: &random) ? nil : Int.random(in: 0...3, using: &random)
            let whole = encodeInChunks(bytes, chunkSizes: [max(1, bytes.count)], bodyLines: bodyLines).output
            let ones = encodeInChunks(bytes, chunkSizes: [1], bodyLines: bodyLines).output
            let mixed = encodeInChunks(
                bytes, chunkSizes: (0..<5).map { _ in Int.random(in: 1...9, using: &random) }, bodyLines: bodyLines
            ).output
            #expect(whole == WireModel.encoded(bytes, bodyLines: bodyLines), "\(bytes)")
            #expect(ones == whole, "\(bytes)")
            #expect(mixed == whole, "\(bytes)")
            if bodyLines == nil {
                let stuffed = WireModel.lines(bytes).filter { $0.first == UInt8(ascii: ".") }.count
                let size = countWireSize(bytes, chunkSize: Int.random(in: 1...9, using: &random))
                #expect(size == whole.count - stuffed - 3, "\(bytes)")
                #expect(size == WireModel.wireSize(bytes), "\(bytes)")
            }
        }
    }

    @Test func stopsConsumingInputOnceComplete() {
        var encoder = WireEncoder(bodyLines: 0)
        var out = encoder.encoded(Array("A: 1\n\nbody\n".utf8))
        #expect(encoder.isComplete)
        out += encoder.encoded(Array("more\n".utf8))
        out += encoder.finished()
        #expect(String(decoding: out, as: UTF8.self) == "A: 1\r\n\r\n.\r\n")
    }
}
