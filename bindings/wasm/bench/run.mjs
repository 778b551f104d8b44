// The package's measurements as ratios to native Rust measured in the same run: piece-cipher
// throughput, and sealing and opening a 1 KiB mail to 10 recipients (bench/work.mjs), in Node
// and in headless Chromium (when installed), against examples/bench.rs doing the same work.
// Native runs twice: as built for this machine (AES-NI where the CPU has it), and with the
// `aes` crate's software backend (`--cfg aes_backend="soft"`, the code the package runs, as
// WebAssembly has no AES instructions), built in its own target folder.
//
//   node bench/run.mjs                  prints Markdown tables
//   MAILSEAL_BENCH_QUICK=1 ...          a short run
//   MAILSEAL_BENCH_NATIVE=path          a prebuilt native bench binary
//   MAILSEAL_BENCH_NATIVE_SOFT=path     a prebuilt one with software AES
//   CHROMIUM=path                       the browser (default: Debian's /usr/bin/chromium)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

import * as api from "mailseal";

import { measure } from "./work.mjs";

const crate = fileURLToPath(new URL("..", import.meta.url));
const quick = Boolean(process.env.MAILSEAL_BENCH_QUICK);
const CHROMIUM = process.env.CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);

/** The native measurements; with `softAes`, of a build with the `aes` crate's software code. */
function native({ softAes = false } = {}) {
  const bin = process.env[softAes ? "MAILSEAL_BENCH_NATIVE_SOFT" : "MAILSEAL_BENCH_NATIVE"];
  // The same release settings as the package's build (build.sh).
  const env = { ...process.env, CARGO_PROFILE_RELEASE_LTO: "true", CARGO_PROFILE_RELEASE_CODEGEN_UNITS: "1" };
  if (softAes) {
    env.RUSTFLAGS = `${process.env.RUSTFLAGS ?? ""} --cfg aes_backend="soft"`.trim();
    // Other flags are another build of every crate: kept apart from the usual one.
    env.CARGO_TARGET_DIR = join(process.env.CARGO_TARGET_DIR ?? join(crate, "../../target"), "soft-aes");
  }
  const out = bin
    ? execFileSync(bin, { encoding: "utf8", env })
    : execFileSync(
        "cargo",
        ["run", "--quiet", "--release", "--manifest-path", join(crate, "Cargo.toml"), "--example", "bench"],
        { encoding: "utf8", env, stdio: ["ignore", "pipe", "inherit"] },
      );
  return JSON.parse(out);
}

async function chromium() {
  if (!CHROMIUM) return null;
  const { chromium } = await import("playwright-core");
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    const base = path.startsWith("/pkg/") ? crate : join(crate, "bench");
    const file = normalize(join(base, path));
    if (!file.startsWith(crate) || !existsSync(file)) {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader("content-type", types[extname(file)] ?? "application/octet-stream");
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/bench.html${quick ? "?quick" : ""}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 600_000 });
    const result = await page.evaluate(() => window.benchResult);
    if (result.error) throw new Error(result.error);
    result.version = browser.version();
    return result;
  } finally {
    await browser.close();
    server.close();
  }
}

const n = native();
const soft = native({ softAes: true });
const node = measure(api, { quick });
const browser = await chromium();

const rows = [
  ["piece cipher: seal 16 MiB", "piece_seal_mib_s", "MiB/s", true],
  ["piece cipher: open 16 MiB", "piece_open_mib_s", "MiB/s", true],
];
for (const suite of api.suites()) {
  rows.push([`1 KiB mail to 10 recipients: seal (${suite})`, `mail10_seal_ms_${suite}`, "ms", false]);
  rows.push([`1 KiB mail to 10 recipients: open one copy (${suite})`, `mail10_open_ms_${suite}`, "ms", false]);
}
const fmt = (v, unit) => (unit === "ms" ? v.toFixed(2) : v.toFixed(0));
const ratio = (v, k, higher) => (higher ? v / n[k] : n[k] / v).toFixed(2);
console.log(`| measurement | native | Node | Node ÷ native | Chromium | Chromium ÷ native |`);
console.log(`|---|---|---|---|---|---|`);
for (const [label, k, unit, higher] of rows) {
  const b = browser ? [`${fmt(browser[k], unit)} ${unit}`, `${ratio(browser[k], k, higher)}×`] : ["–", "–"];
  console.log(
    `| ${label} | ${fmt(n[k], unit)} ${unit} | ${fmt(node[k], unit)} ${unit} | ${ratio(node[k], k, higher)}× | ${b[0]} | ${b[1]} |`,
  );
}
console.log(`\nThe piece cipher against native with software AES (the \`aes\` crate's fixslice code, as in wasm):\n`);
console.log(`| measurement | native, software AES | Node ÷ it | Chromium ÷ it |`);
console.log(`|---|---|---|---|`);
for (const [label, k, unit] of rows.slice(0, 2)) {
  const b = browser ? `${(browser[k] / soft[k]).toFixed(2)}×` : "–";
  console.log(`| ${label} | ${fmt(soft[k], unit)} ${unit} | ${(node[k] / soft[k]).toFixed(2)}× | ${b} |`);
}
console.log(
  `\nRatios are speed relative to native (above 1: faster). Node ${process.version}` +
    `${browser ? `, Chromium ${browser.version}` : ", no Chromium"}; ${quick ? "quick run" : "1.5 s per measurement"}; medians.`,
);
