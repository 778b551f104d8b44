// The measured work, the same in Node and in a browser page: `measure(api)` takes the
// package's module (however it was imported) and returns medians in the units of
// examples/bench.rs, which does the same work natively.

/** Median seconds per call of `f`, over calls run for about `budget` ms. */
function perCall(f, budget) {
  f();
  const samples = [];
  const start = performance.now();
  while (performance.now() - start < budget || samples.length < 5) {
    const t = performance.now();
    f();
    samples.push((performance.now() - t) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

export function measure(api, { quick = false } = {}) {
  const budget = quick ? 200 : 1500;
  const { Chain, Device, Directory, Keyring, MailSealer, Mailbox, PieceKey, Puk } = api;
  const out = {};

  // The piece cipher, one 16 MiB piece at a time. Each call also crosses the boundary twice:
  // the plaintext into wasm memory, the result out.
  const size = 16 << 20;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = i % 251;
  const key = PieceKey.generate();
  const sealed = api.pieceSeal("x25519", "mail piece", key, data);
  const mib = size / 1048576;
  out.piece_seal_mib_s = mib / perCall(() => api.pieceSeal("x25519", "mail piece", key, data), budget);
  out.piece_open_mib_s = mib / perCall(() => api.pieceOpen("x25519", "mail piece", key, sealed.ciphertext), budget);

  // A 1 KiB mail from Alice to 10 recipients; the open is one recipient's copy and body.
  const hexId = (n) => n.toString(16).padStart(2, "0").repeat(16);
  for (const suite of api.suites()) {
    const user = (n) => {
      const puk = Puk.generate(suite, hexId(n), 1);
      const device = Device.generate(suite, hexId(n ^ 0x80));
      const address = `user${n}@example.com`;
      const chain = Chain.verify([Chain.root(device, puk, [address], 1)]);
      const keyring = new Keyring();
      keyring.add(puk);
      return { puk, device, address, chain, keyring };
    };
    const alice = user(1);
    const recipients = Array.from({ length: 10 }, (_, k) => user(k + 2));
    const body = new Uint8Array(1024).fill(120);
    const seal = () => {
      const s = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<bench@example.com>", 1);
      for (const r of recipients) s.to(r.address, r.chain);
      const ct = s.addPiece(body);
      return [s.seal(), ct];
    };
    out[`mail10_seal_ms_${suite}`] = perCall(seal, budget) * 1e3;
    const [envelope, ct] = seal();
    const bob = recipients[0];
    const copy = api.splitEnvelope(envelope).find((c) => c.user === bob.chain.user).copy;
    const senders = new Directory();
    senders.add(alice.chain);
    const mailbox = new Mailbox(bob.chain, bob.keyring);
    out[`mail10_open_ms_${suite}`] =
      perCall(() => {
        const opened = mailbox.open(copy, senders);
        opened.openPiece(0, ct);
        opened.free();
      }, budget) * 1e3;
  }
  return out;
}
