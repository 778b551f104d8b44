// The Swift bindings: keys, chains, sealing to To/CC/BCC, the server's split, opening with the
// footer, a streamed piece, typed errors, and mail sealed by the Rust crate
// (examples/interop.rs) opened in Swift. Compiled together with the generated Mailseal.swift
// (README.md, "Swift"); test.sh runs it where `swiftc` exists. It ends with the line
// "N passed, M failed" and exits non-zero on any failure.

import Foundation

let now: UInt64 = 1_764_374_400

func hexId(_ n: Int) -> String { String(repeating: String(format: "%02x", n & 0xff), count: 16) }

func pattern(_ length: Int) -> Data { Data((0..<length).map { UInt8($0 % 251) }) }

struct Failure: Error, CustomStringConvertible { let description: String }

func expect(_ condition: Bool, _ what: String) throws {
    if !condition { throw Failure(description: what) }
}

func errorClass(_ e: MailsealError) -> String {
    switch e {
    case let .Malformed(c, _), let .Authentication(c, _), let .Unsupported(c, _), let .Misuse(c, _),
         let .LimitExceeded(c, _), let .NotARecipient(c, _), let .Chain(c, _), let .Transparency(c, _),
         let .Other(c, _), let .Binding(c, _):
        return c
    }
}

func refuses(_ expected: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as MailsealError {
        try expect(errorClass(e) == expected, "expected \(expected), got \(errorClass(e))")
        return
    }
    throw Failure(description: "expected \(expected), nothing was thrown")
}

final class User {
    let address: String
    let puk: Puk
    let device: Device
    let links: [Data]
    let chain: Chain
    let keyring = Keyring()
    let mailbox: Mailbox

    init(_ name: String, _ n: Int, _ suite: Suite) throws {
        address = "\(name)@example.com"
        puk = try Puk.generate(suite: suite, user: hexId(n), generation: 1)
        device = try Device.generate(suite: suite, id: hexId(n ^ 0x80))
        links = [try rootLink(device: device, puk: puk, addresses: [address], time: now)]
        chain = try Chain.verify(links: links)
        keyring.add(puk: puk)
        mailbox = Mailbox(chain: chain, keyring: keyring).withoutKeyTransparency()
    }
}

func directory(_ chains: Chain...) throws -> Directory {
    let d = Directory()
    for c in chains { try d.add(chain: c) }
    return d
}

var passed = 0
var failed = 0

func check(_ name: String, _ body: () throws -> Void) {
    do {
        try body()
        passed += 1
        print("ok   \(name)")
    } catch {
        failed += 1
        print("FAIL \(name): \(error)")
    }
}

for suite in suites() {
    let s = suite == .xwing ? "xwing" : "x25519"

    check("\(s): keys and their text forms") {
        let device = try Device.fromSeed(suite: suite, id: hexId(0xa1), seed: Data((0..<32).map { UInt8($0) }))
        try expect(device.id() == hexId(0xa1), "device id")
        let record = try parseDeviceRecord(record: device.publicRecord())
        try expect(try parseDeviceText(text: device.publicText()) == record, "text form")
        let puk = try Puk.derive(suite: suite, user: hexId(1), generation: 3, seed: Data(repeating: 7, count: 32))
        try expect(try parsePukText(text: puk.publicText()) == puk.publicFields(), "puk text")
    }

    check("\(s): Alice mails Bob, Carol (CC) and Dave (BCC); the server splits; all open") {
        let alice = try User("alice", 1, suite), bob = try User("bob", 2, suite)
        let carol = try User("carol", 3, suite), dave = try User("dave", 4, suite)
        let sealer = try MailSealer(puk: alice.puk, device: alice.device, chain: alice.chain,
                                    address: alice.address, messageId: "<swift@example.com>", timestamp: now)
        try sealer.to(address: bob.address, chain: bob.chain)
        try sealer.cc(address: carol.address, chain: carol.chain)
        try sealer.bcc(address: dave.address, chain: dave.chain)
        let body = Data("Subject: from Swift\r\n\r\nHello".utf8)
        let pieces = [try sealer.addPiece(plaintext: body), try sealer.addPiece(plaintext: pattern(100_000))]
        let envelope = try sealer.seal()
        let info = try validateEnvelope(envelope: envelope, pieceLengths: pieces.map { UInt64($0.count) })
        try expect(info.boxes.map { $0.kind } == [.sender, .to, .cc, .bcc], "boxes")
        let copies = try splitEnvelope(envelope: envelope)
        let senders = try directory(alice.chain)
        for (reader, kind) in [(bob, RecipientKind.to), (carol, .cc), (dave, .bcc)] {
            let copy = copies.first { $0.user == reader.chain.user() }!.copy
            let opened = try reader.mailbox.open(copy: copy, senders: senders)
            try expect(opened.recipientKind() == kind, "kind")
            try expect(try opened.openPiece(index: 0, ciphertext: pieces[0]) == body, "body")
            try expect(try opened.openPiece(index: 1, ciphertext: pieces[1]) == pattern(100_000), "attachment")
            let c = opened.classify(senderIsKnownContact: true)
            try expect(c.footer == "E2E Encrypted" && c.sender == "verified_active_device", "footer \(c.footer)")
        }
        try refuses("not_a_recipient") {
            _ = try carol.mailbox.open(copy: copies.first { $0.user == bob.chain.user() }!.copy, senders: senders)
        }
    }

    check("\(s): a piece streamed chunk by chunk, opened verified") {
        let alice = try User("alice", 1, suite), bob = try User("bob", 2, suite)
        let sealer = try MailSealer(puk: alice.puk, device: alice.device, chain: alice.chain,
                                    address: alice.address, messageId: "<stream@example.com>", timestamp: now)
        try sealer.to(address: bob.address, chain: bob.chain)
        _ = try sealer.addPiece(plaintext: Data("see attachment".utf8))
        let plain = pattern(250_000)
        let piece = try sealer.beginPiece()
        var ciphertext = Data()
        for at in stride(from: 0, to: plain.count, by: 30_000) {
            ciphertext += try piece.push(plaintext: plain.subdata(in: at..<min(at + 30_000, plain.count)))
        }
        ciphertext += try piece.finish()
        try sealer.attach(piece: piece)
        let copy = try splitEnvelope(envelope: try sealer.seal()).first { $0.user == bob.chain.user() }!.copy
        let opened = try bob.mailbox.open(copy: copy, senders: directory(alice.chain))
        let decryptor = try opened.verifiedPieceDecryptor(index: 1, tagList: try tagList(ciphertext: ciphertext))
        var got = Data()
        for at in stride(from: 0, to: ciphertext.count, by: 65_536) {
            got += try decryptor.push(ciphertext: ciphertext.subdata(in: at..<min(at + 65_536, ciphertext.count)))
        }
        _ = try decryptor.finish()
        try expect(got == plain, "streamed plaintext")
        try refuses("binding/invalid_state") { _ = try sealer.seal() }
    }

    check("\(s): mail sealed by Rust opens in Swift") {
        guard let binary = ProcessInfo.processInfo.environment["MAILSEAL_INTEROP"] else {
            throw Failure(description: "MAILSEAL_INTEROP is not set")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mailseal-swift-\(s)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["seal", dir.path, s]
        try process.run()
        process.waitUntilExit()
        try expect(process.terminationStatus == 0, "interop seal")
        func read(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }
        let alice = try Chain.verifySegment(segment: try read("alice.chain"))
        let bob = try Chain.verifySegment(segment: try read("bob.chain"))
        let keys = Keyring()
        keys.add(puk: try Puk.derive(suite: suite, user: bob.user(), generation: 1, seed: try read("bob.puk")))
        let copy = try splitEnvelope(envelope: try read("envelope")).first { $0.user == bob.user() }!.copy
        let opened = try Mailbox(chain: bob, keyring: keys).withoutKeyTransparency().open(copy: copy, senders: directory(alice))
        for i in 0..<2 {
            try expect(try opened.openPiece(index: UInt32(i), ciphertext: try read("piece-\(i)")) == (try read("plain-\(i)")), "piece \(i)")
        }
        try expect(opened.classify(senderIsKnownContact: true).footer == "E2E Encrypted", "footer")
    }
}

check("typed errors carry the library's class and sentence") {
    do {
        _ = try parsePukRecord(record: Data([0xa5, 0x01]))
        throw Failure(description: "nothing thrown")
    } catch let MailsealError.Malformed(errorClass, detail) {
        try expect(errorClass == "malformed/cbor/length_exceeds_input" && !detail.isEmpty, errorClass)
    }
    try refuses("binding/invalid_argument") {
        _ = try Device.fromSeed(suite: .xwing, id: hexId(1), seed: Data(count: 31))
    }
}

print("\(passed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
