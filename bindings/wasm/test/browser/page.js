// In a real browser: Alice seals a mail to Bob with a 20 MB attachment streamed through a
// ReadableStream (sealed chunk by chunk and uploaded as it goes); the test's server validates
// and splits it with the Node build of the same package; Bob's client downloads his copy and
// streams the attachment back through the verified opener, checking every byte; the page
// shows the mail and its footer. `window.mailsealResult` is what the test reads.
import init, {
  Chain,
  Device,
  Directory,
  Keyring,
  MailSealer,
  Mailbox,
  Puk,
  openingStream,
  sealingStream,
} from "/pkg/index.js";

const SIZE = Number(new URLSearchParams(location.search).get("size") ?? 20 * 1024 * 1024);
const NOW = Math.floor(Date.now() / 1000);
const hexId = (n) => n.toString(16).padStart(2, "0").repeat(16);
const byte = (i) => i % 251;

/** `length` pattern bytes as a ReadableStream of 1 MiB chunks, like `file.stream()`. */
function attachmentStream(length) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= length) return controller.close();
      const n = Math.min(1 << 20, length - sent);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = byte(sent + i);
      controller.enqueue(chunk);
      sent += n;
    },
  });
}

/** Uploads a stream to the server in 1 MiB requests, never holding more. */
function uploader(name) {
  let buffer = [];
  let size = 0;
  let part = 0;
  const flush = async () => {
    if (size === 0) return;
    await fetch(`/store/${name}?part=${part++}`, { method: "POST", body: new Blob(buffer) });
    buffer = [];
    size = 0;
  };
  return new WritableStream({
    async write(chunk) {
      buffer.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) await flush();
    },
    close: flush,
  });
}

function user(name, n) {
  const id = hexId(n);
  const puk = Puk.generate("xwing", id, 1);
  const device = Device.generate("xwing", hexId(n ^ 0x80));
  const address = `${name}@example.com`;
  const chain = Chain.verify([Chain.root(device, puk, [address], NOW)]);
  const keyring = new Keyring();
  keyring.add(puk);
  return { id, puk, device, address, chain, keyring };
}

/** Text for HTML. */
const esc = (text) => String(text).replace(/[<>&"]/g, (x) => `&#${x.charCodeAt(0)};`);

function show(opened, c, bodyText, checked, timings) {
  const h = opened.header;
  const li = (items) => items.map((x) => `<li>${esc(x.text)}</li>`).join("");
  document.getElementById("mail").innerHTML = `
    <div class="mail">
      <div class="meta">From <b>${esc(h.sender.address)}</b> to ${esc(h.to.map((p) => p.address).join(", "))}</div>
      <div class="meta">${esc(h.messageId)} · sealed ${new Date(h.timestamp * 1000).toISOString()}</div>
      <pre>${esc(bodyText)}</pre>
      <div class="attachment">Attachment: attachment.bin, ${(checked / 1048576).toFixed(1)} MiB, every byte verified</div>
      <span class="footer ${c.code}" id="footer">${esc(c.footer)}</span>
      <ul class="reasons">${li(c.reasons)}</ul>
      <ul class="cautions">${li(c.cautions)}</ul>
    </div>
    <table>${Object.entries(timings)
      .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v.toFixed(0)} ms</td></tr>`)
      .join("")}</table>`;
}

async function run() {
  await init();
  const t = {};
  let mark = performance.now();
  const lap = (name) => {
    const now = performance.now();
    t[name] = now - mark;
    mark = now;
  };
  const [alice, bob] = [user("alice", 1), user("bob", 2)];
  lap("keys and chains");

  const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<big-file@example.com>", NOW);
  sealer.to(bob.address, bob.chain);
  const bodyText = "Subject: the big file\r\n\r\nHi Bob, the file is attached.";
  await fetch("/store/piece-0?part=0", { method: "POST", body: sealer.addPiece(new TextEncoder().encode(bodyText)) });
  await attachmentStream(SIZE).pipeThrough(sealingStream(sealer)).pipeTo(uploader("piece-1"));
  const envelope = sealer.seal();
  lap(`seal and upload ${SIZE / 1048576} MiB`);

  const routed = await (await fetch("/envelope", { method: "POST", body: envelope })).json();
  if (!routed.ok) throw new Error(`the server refused the envelope: ${routed.error}`);
  lap("server: validate and split");

  const copy = new Uint8Array(await (await fetch(`/copy/${bob.id}`)).arrayBuffer());
  const tagList = new Uint8Array(await (await fetch("/taglist/piece-1")).arrayBuffer());
  const senders = new Directory();
  senders.add(alice.chain);
  const opened = new Mailbox(bob.chain, bob.keyring).withoutKeyTransparency().open(copy, senders);
  const body = new TextDecoder().decode(
    opened.openPiece(0, new Uint8Array(await (await fetch("/piece/piece-0")).arrayBuffer())),
  );
  let checked = 0;
  let mismatches = 0;
  const response = await fetch("/piece/piece-1");
  await response.body.pipeThrough(openingStream(opened, 1, tagList)).pipeTo(
    new WritableStream({
      write(chunk) {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] !== byte(checked + i)) mismatches++;
        checked += chunk.length;
      },
    }),
  );
  lap(`download and open ${SIZE / 1048576} MiB (verified stream)`);
  const c = opened.classify(true);
  show(opened, c, body, checked, t);
  return {
    ok: checked === SIZE && mismatches === 0 && body === bodyText,
    footer: c.footer,
    code: c.code,
    sender: c.sender,
    reasons: c.reasons,
    attachmentBytes: checked,
    mismatches,
    envelopeBytes: envelope.length,
    boxes: routed.boxes,
    timings: t,
    userAgent: navigator.userAgent,
  };
}

run().then(
  (result) => {
    window.mailsealResult = result;
    document.getElementById("status").textContent = result.ok ? "done" : "failed";
  },
  (e) => {
    window.mailsealResult = { ok: false, error: `${e.name}: ${e.message} (${e.class ?? "no class"})` };
    const s = document.getElementById("status");
    s.textContent = `failed: ${e.message}`;
    s.className = "failed";
  },
);
