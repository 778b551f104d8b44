// The Kotlin bindings on the JVM, through JNA: keys, chains, sealing to To/CC/BCC, the
// server's split, opening with the footer, a streamed piece, typed exceptions, wiping on
// close(), and mail exchanged with the Rust crate (examples/interop.rs) both ways.
// test.sh compiles it with the generated mailseal.kt and runs it; it ends with the line
// "N passed, M failed" and exits non-zero on any failure.

import java.io.File
import java.nio.file.Files
import mailseal.*

const val NOW: ULong = 1_764_374_400UL

fun hexId(n: Int) = "%02x".format(n and 0xff).repeat(16)

fun pattern(length: Int, offset: Int = 0) = ByteArray(length) { ((it + offset) % 251).toByte() }

class User(name: String, n: Int, suite: Suite) {
    val address = "$name@example.com"
    val puk = Puk.generate(suite, hexId(n), 1u)
    val device = Device.generate(suite, hexId(n xor 0x80))
    val links = listOf(rootLink(device, puk, listOf(address), NOW))
    val chain = Chain.verify(links)
    val keyring = Keyring().also { it.add(puk) }
    // The tests run no key-transparency log; the transparency test shows the default.
    val mailbox = Mailbox(chain, keyring).withoutKeyTransparency()
}

fun directory(vararg chains: Chain) = Directory().also { d -> chains.forEach { d.add(it) } }

var passed = 0
var failed = 0

fun check(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok   $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
        e.printStackTrace()
    }
}

fun expect(condition: Boolean, what: String) {
    if (!condition) throw AssertionError(what)
}

inline fun <reified E : MailsealException> refuses(errorClass: String, body: () -> Unit): E {
    try {
        body()
    } catch (e: MailsealException) {
        expect(e is E, "expected ${E::class.simpleName}, got ${e::class.simpleName} ($e)")
        val actual = errorClassOf(e)
        expect(actual == errorClass, "expected $errorClass, got $actual")
        return e as E
    }
    throw AssertionError("expected $errorClass, nothing was thrown")
}

fun errorClassOf(e: MailsealException): String = when (e) {
    is MailsealException.Malformed -> e.errorClass
    is MailsealException.Authentication -> e.errorClass
    is MailsealException.Unsupported -> e.errorClass
    is MailsealException.Misuse -> e.errorClass
    is MailsealException.LimitExceeded -> e.errorClass
    is MailsealException.NotARecipient -> e.errorClass
    is MailsealException.Chain -> e.errorClass
    is MailsealException.Transparency -> e.errorClass
    is MailsealException.Other -> e.errorClass
    is MailsealException.Binding -> e.errorClass
}

fun rust(vararg args: String): String {
    val binary = System.getenv("MAILSEAL_INTEROP") ?: error("MAILSEAL_INTEROP is not set")
    val process = ProcessBuilder(binary, *args).redirectError(ProcessBuilder.Redirect.INHERIT).start()
    val out = process.inputStream.readBytes().toString(Charsets.UTF_8)
    expect(process.waitFor() == 0, "interop ${args.joinToString(" ")} failed")
    return out
}

fun main() {
    for (suite in suites()) {
        val s = suite.name.lowercase()

        check("$s: keys and their text forms") {
            val device = Device.fromSeed(suite, hexId(0xa1), ByteArray(32) { it.toByte() })
            expect(device.id() == hexId(0xa1), "device id")
            val record = parseDeviceRecord(device.publicRecord())
            expect(record.text == device.publicText() && record.text.startsWith("mailseal:device:"), "text form")
            // Records hold ByteArrays, which Kotlin's data classes compare by reference.
            val parsed = parseDeviceText(device.publicText())
            expect(parsed.record.contentEquals(record.record) && parsed.id == record.id, "text parses back")
            val puk = Puk.derive(suite, hexId(1), 3u, ByteArray(32) { 7 })
            expect(puk.generation() == 3u && puk.user() == hexId(1), "puk")
            expect(parsePukText(puk.publicText()).record.contentEquals(puk.publicRecord()), "puk text")
        }

        check("$s: Alice mails Bob (To), Carol (CC) and Dave (BCC); the server splits; all open") {
            val (alice, bob, carol, dave) = listOf("alice", "bob", "carol", "dave").mapIndexed { i, n -> User(n, i + 1, suite) }
            val sealer = MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<kt@example.com>", NOW)
            sealer.to(bob.address, bob.chain)
            sealer.cc(carol.address, carol.chain)
            sealer.bcc(dave.address, dave.chain)
            sealer.bccText(dave.address)
            val body = "Subject: from Kotlin\r\n\r\nHello".toByteArray()
            val pieces = listOf(sealer.addPiece(body), sealer.addPiece(pattern(100_000)))
            val envelope = sealer.seal()
            val info = validateEnvelope(envelope, pieces.map { it.size.toULong() })
            expect(info.boxes.map { it.kind } == listOf(RecipientKind.SENDER, RecipientKind.TO, RecipientKind.CC, RecipientKind.BCC), "boxes")
            val copies = splitEnvelope(envelope).associateBy { it.user }
            val senders = directory(alice.chain)
            for ((reader, kind) in listOf(bob to RecipientKind.TO, carol to RecipientKind.CC, dave to RecipientKind.BCC)) {
                reader.mailbox.open(copies.getValue(reader.chain.user()).copy, senders).use { opened ->
                    expect(opened.recipientKind() == kind, "kind")
                    expect(opened.openPiece(0u, pieces[0]).contentEquals(body), "body")
                    expect(opened.openPiece(1u, pieces[1]).contentEquals(pattern(100_000)), "attachment")
                    val c = opened.classify(true)
                    expect(c.footer == "E2E Encrypted" && c.code == "e2e_encrypted", "footer ${c.footer}")
                    expect(c.sender == "verified_active_device", "sender")
                }
            }
            val mine = alice.mailbox.open(copies.getValue(alice.chain.user()).copy, senders)
            expect(mine.sentRecord()?.bcc == dave.address, "sent record")
            refuses<MailsealException.NotARecipient>("not_a_recipient") {
                carol.mailbox.open(copies.getValue(bob.chain.user()).copy, senders)
            }
            val tampered = copies.getValue(bob.chain.user()).copy.copyOf().also { it[60] = (it[60].toInt() xor 1).toByte() }
            try {
                bob.mailbox.open(tampered, senders)
                throw AssertionError("a tampered copy opened")
            } catch (e: MailsealException) {
                expect(errorClassOf(e).contains("/"), "class of ${e.message}")
            }
        }

        check("$s: a piece streamed chunk by chunk, opened verified") {
            val (alice, bob) = listOf(User("alice", 1, suite), User("bob", 2, suite))
            val sealer = MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<stream@example.com>", NOW)
            sealer.to(bob.address, bob.chain)
            sealer.addPiece("see attachment".toByteArray())
            val plain = pattern(250_000)
            val piece = sealer.beginPiece()
            val out = java.io.ByteArrayOutputStream()
            for (at in 0 until plain.size step 30_000) out.write(piece.push(plain.copyOfRange(at, minOf(at + 30_000, plain.size))))
            out.write(piece.finish())
            sealer.attach(piece)
            val ciphertext = out.toByteArray()
            val copy = splitEnvelope(sealer.seal()).first { it.user == bob.chain.user() }.copy
            val opened = bob.mailbox.open(copy, directory(alice.chain))
            val decryptor = opened.verifiedPieceDecryptor(1u, tagList(ciphertext))
            val got = java.io.ByteArrayOutputStream()
            for (at in 0 until ciphertext.size step 65_536) got.write(decryptor.push(ciphertext.copyOfRange(at, minOf(at + 65_536, ciphertext.size))))
            decryptor.finish()
            expect(got.toByteArray().contentEquals(plain), "streamed plaintext")
            refuses<MailsealException.Binding>("binding/invalid_state") { sealer.seal() }
        }

        check("$s: mail sealed by Rust opens in Kotlin") {
            val dir = Files.createTempDirectory("mailseal-kt").toFile()
            try {
                expect(rust("seal", dir.path, s).startsWith("sealed: 2 pieces"), "rust sealed")
                fun read(name: String) = File(dir, name).readBytes()
                val alice = Chain.verifySegment(read("alice.chain"))
                val bob = Chain.verifySegment(read("bob.chain"))
                val keys = Keyring().also { it.add(Puk.derive(suite, bob.user(), 1u, read("bob.puk"))) }
                val copy = splitEnvelope(read("envelope")).first { it.user == bob.user() }.copy
                val opened = Mailbox(bob, keys).withoutKeyTransparency().open(copy, directory(alice))
                for (i in 0 until 2) expect(opened.openPiece(i.toUInt(), read("piece-$i")).contentEquals(read("plain-$i")), "piece $i")
                expect(opened.classify(true).footer == "E2E Encrypted", "footer")
            } finally {
                dir.deleteRecursively()
            }
        }

        check("$s: mail sealed in Kotlin opens in Rust") {
            val dir = Files.createTempDirectory("mailseal-kt").toFile()
            try {
                val (alice, bob) = listOf(User("alice", 0x21, suite), User("bob", 0x22, suite))
                val sealer = MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<from-kotlin@example.com>", NOW)
                sealer.to(bob.address, bob.chain)
                val body = "Subject: from Kotlin\r\n\r\nSealed on the JVM.".toByteArray()
                val files = mapOf(
                    "piece-0" to sealer.addPiece(body),
                    "piece-1" to sealer.addPiece(pattern(70_000)),
                    "envelope" to sealer.seal(),
                    "plain-0" to body,
                    "plain-1" to pattern(70_000),
                    "suite" to s.toByteArray(),
                    "alice.chain" to encodeSegment(alice.links),
                    "bob.chain" to encodeSegment(bob.links),
                    "bob.puk" to bob.puk.exposeSeed(),
                )
                files.forEach { (name, bytes) -> File(dir, name).writeBytes(bytes) }
                expect(rust("open", dir.path).startsWith("opened: 2 pieces from alice@example.com (verified_active_device)"), "rust opened")
            } finally {
                dir.deleteRecursively()
            }
        }
    }

    check("typed exceptions carry the library's class and sentence") {
        val e = refuses<MailsealException.Malformed>("malformed/cbor/length_exceeds_input") {
            parsePukRecord(byteArrayOf(0xa5.toByte(), 0x01))
        }
        expect(e.detail.isNotEmpty() && e.message!!.contains("malformed/cbor/length_exceeds_input"), "message ${e.message}")
        refuses<MailsealException.Binding>("binding/invalid_argument") {
            Device.fromSeed(Suite.XWING, hexId(1), ByteArray(31))
        }
        val alice = User("alice", 1, Suite.XWING)
        refuses<MailsealException.Chain>("chain/sequence") { Chain.verify(alice.links + alice.links) }
    }

    check("close() releases a key; using it afterwards is refused") {
        val device = Device.generate(Suite.X25519, hexId(5))
        device.close()
        try {
            device.id()
            throw AssertionError("a closed object was used")
        } catch (e: IllegalStateException) {
            // UniFFI refuses calls on a destroyed object.
        }
    }

    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
