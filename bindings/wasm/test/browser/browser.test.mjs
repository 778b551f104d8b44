// The package in a real headless Chromium (Debian's, driven by playwright-core): page.js
// seals a mail with a 20 MB attachment streamed through a ReadableStream, this file's server
// (the Node build of the same package) validates and splits it, the page opens Bob's copy,
// streams the attachment back verified and shows the footer. The test reads the result from
// the page and saves a screenshot (test-output/browser.png, or $MAILSEAL_SCREENSHOT).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { splitEnvelope, tagList, validateEnvelope } from "mailseal";
import { chromium } from "playwright-core";

const crate = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
const SIZE = 20 * 1024 * 1024;
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

/** The mail server of the test: static files, piece uploads, validation and split, copies. */
function mailServer() {
  const pieces = new Map(); // name -> [Buffer]
  const copies = new Map(); // user -> Buffer
  const body = (req) =>
    new Promise((resolve, reject) => {
      const parts = [];
      req.on("data", (d) => parts.push(d));
      req.on("end", () => resolve(Buffer.concat(parts)));
      req.on("error", reject);
    });
  const joined = (name) => new Uint8Array(Buffer.concat(pieces.get(name) ?? []));
  return createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    const [, route, name] = url.pathname.split("/");
    try {
      if (req.method === "POST" && route === "store") {
        const list = pieces.get(name) ?? [];
        list[Number(url.searchParams.get("part"))] = await body(req);
        pieces.set(name, list);
        return res.end();
      }
      if (req.method === "POST" && route === "envelope") {
        const envelope = new Uint8Array(await body(req));
        const lengths = ["piece-0", "piece-1"].map((p) => joined(p).length);
        res.setHeader("content-type", "application/json");
        try {
          const info = validateEnvelope(envelope, lengths);
          for (const c of splitEnvelope(envelope)) copies.set(c.user, Buffer.from(c.copy));
          return res.end(JSON.stringify({ ok: true, boxes: info.boxes.map((b) => b.kind) }));
        } catch (e) {
          return res.end(JSON.stringify({ ok: false, error: `${e.class}: ${e.message}` }));
        }
      }
      if (route === "copy") return res.end(copies.get(name));
      if (route === "taglist") return res.end(tagList(joined(name)));
      if (route === "piece") {
        // Streamed back as stored, part by part.
        for (const part of pieces.get(name) ?? []) res.write(part);
        return res.end();
      }
      // Static: the package and this folder.
      const base = route === "pkg" ? join(crate, "pkg") : join(crate, "test", "browser");
      const rest = route === "pkg" ? url.pathname.slice("/pkg/".length) : url.pathname.slice(1);
      const file = normalize(join(base, rest));
      if (!file.startsWith(base) || !existsSync(file)) {
        res.statusCode = 404;
        return res.end();
      }
      res.setHeader("content-type", TYPES[extname(file)] ?? "application/octet-stream");
      return res.end(readFileSync(file));
    } catch (e) {
      res.statusCode = 500;
      return res.end(String(e));
    }
  });
}

test("a 20 MB attachment sealed and opened in headless Chromium", { timeout: 240_000 }, async (t) => {
  if (!CHROMIUM) {
    if (process.env.CI) assert.fail("no Chromium: apt-get install chromium");
    return t.skip("no Chromium installed (apt-get install chromium), or set $CHROMIUM");
  }
  const server = mailServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
    const logs = [];
    page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(`${origin}/page.html?size=${SIZE}`);
    await page.waitForFunction(() => window.mailsealResult !== undefined, null, { timeout: 200_000 });
    const result = await page.evaluate(() => window.mailsealResult);
    const shot = process.env.MAILSEAL_SCREENSHOT ?? join(crate, "test-output", "browser.png");
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    t.diagnostic(`browser: ${result.userAgent ?? "?"}`);
    for (const [k, v] of Object.entries(result.timings ?? {})) t.diagnostic(`${k}: ${v.toFixed(0)} ms`);
    assert.equal(result.error, undefined, `${result.error}\n${logs.join("\n")}`);
    assert.equal(result.ok, true);
    assert.equal(result.attachmentBytes, SIZE);
    assert.equal(result.mismatches, 0);
    assert.equal(result.footer, "E2E Encrypted");
    assert.equal(result.sender, "verified_active_device");
    assert.deepEqual(result.boxes, ["sender", "to"]);
    // What the page shows.
    assert.equal((await page.textContent("#footer")).trim(), "E2E Encrypted");
    assert.equal((await page.textContent("#status")).trim(), "done");
  } finally {
    await browser.close();
    server.close();
  }
});
