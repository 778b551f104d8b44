// Users for the tests: each with a device, a first PUK and a chain whose root lists its address;
// and the Rust side of the tests (examples/interop.rs).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Chain, Device, Keyring, Mailbox, Puk } from "mailseal";

export const NOW = 1_764_374_400;

/** A 16-byte id of one repeated byte, as 32 hex digits. */
export const hexId = (n) => (n & 0xff).toString(16).padStart(2, "0").repeat(16);

export function user(name, n, suite = "xwing") {
  const id = hexId(n);
  const puk = Puk.generate(suite, id, 1);
  const device = Device.generate(suite, hexId(n ^ 0x80));
  const address = `${name}@example.com`;
  const root = Chain.root(device, puk, [address], NOW);
  const chain = Chain.verify([root]);
  const keyring = new Keyring();
  keyring.add(puk);
  return { name, id, puk, device, address, links: [root], chain, keyring, mailbox: new Mailbox(chain, keyring).withoutKeyTransparency() };
}

/** The bytes `i mod 251`, as the test vectors' patterns. */
export function pattern(length, offset = 0) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i + offset) % 251;
  return out;
}

/** A ReadableStream of `length` pattern bytes in chunks of `step`. */
export function patternStream(length, step) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= length) return controller.close();
      const n = Math.min(step, length - sent);
      controller.enqueue(pattern(n, sent));
      sent += n;
    },
  });
}

/** Everything a ReadableStream yields, concatenated. */
export async function collect(readable) {
  const parts = [];
  let total = 0;
  for await (const part of readable) {
    parts.push(part);
    total += part.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Runs `f` and returns the MailsealError it throws (fails if it throws nothing else). */
export function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a MailsealError, nothing was thrown");
}

const crate = new URL("..", import.meta.url).pathname;

/** Runs examples/interop.rs: the prebuilt binary in $MAILSEAL_INTEROP, else through cargo.
 *  Returns its standard output as text, or as bytes with `{ binary: true }`. */
export function rust(args, { binary = false } = {}) {
  const bin = process.env.MAILSEAL_INTEROP;
  const [cmd, argv] = bin
    ? [bin, args]
    : ["cargo", ["run", "--quiet", "--manifest-path", join(crate, "Cargo.toml"), "--example", "interop", "--", ...args]];
  const out = execFileSync(cmd, argv, { encoding: binary ? "buffer" : "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 });
  return binary ? new Uint8Array(out) : out;
}

/** Runs `f` with a fresh temporary folder, removed afterwards. */
export async function withDir(f) {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-interop-"));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
