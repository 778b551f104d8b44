// The README's runnable JavaScript examples run as written and print what their comments say.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { withDir } from "./world.mjs";

const crate = fileURLToPath(new URL("..", import.meta.url));
const snippets = [...readFileSync(`${crate}/README.md`, "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

/** Runs a snippet from inside the crate's folder (so that `import "mailseal"` resolves as in a
 *  user's project); its output lines. */
function run(name, snippet, env = {}) {
  mkdirSync(`${crate}/test-output`, { recursive: true });
  const file = `${crate}/test-output/${name}.mjs`;
  writeFileSync(file, snippet);
  const out = execFileSync(process.execPath, [file], { encoding: "utf8", env: { ...process.env, ...env } });
  return out.trim().split("\n").map((l) => l.trimEnd());
}

test("README: the runnable example", () => {
  const out = run("readme-example", snippets[0]);
  assert.equal(out[0], "Subject: hi");
  assert.equal(out.at(-3), "Hello Bob");
  assert.equal(out.at(-2), "E2E Encrypted");
  assert.match(out.at(-1), /^MailsealError (authentication|malformed)\//);
});

test("README: the key-transparency example, with the stand-in service", () =>
  withDir((dir) => {
    const snippet = snippets.find((s) => s.includes("new TransparencyView"));
    // `./service.mjs` beside the example: the stand-in, with the log in `dir`.
    writeFileSync(`${crate}/test-output/service.mjs`, 'export * from "../test/readme-service.mjs";\n');
    const out = run("readme-transparency", snippet, { MAILSEAL_README_LOG: dir });
    assert.deepEqual(out, ["2", "E2E Encrypted 1", "consistent"]);
  }));
