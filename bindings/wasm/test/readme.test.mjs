// The README's first JavaScript example runs as written and prints what its comments say.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const crate = fileURLToPath(new URL("..", import.meta.url));

test("README: the runnable example", () => {
  const readme = readFileSync(`${crate}/README.md`, "utf8");
  const snippet = readme.match(/```js\n([\s\S]*?)```/)[1];
  // Inside the crate's folder, so that `import "mailseal"` resolves as in a user's project.
  mkdirSync(`${crate}/test-output`, { recursive: true });
  const file = `${crate}/test-output/readme-example.mjs`;
  writeFileSync(file, snippet);
  const out = execFileSync(process.execPath, [file], { encoding: "utf8" }).trim().split("\n").map((l) => l.trimEnd());
  assert.equal(out[0], "Subject: hi");
  assert.equal(out.at(-3), "Hello Bob");
  assert.equal(out.at(-2), "E2E Encrypted");
  assert.match(out.at(-1), /^MailsealError (authentication|malformed)\//);
});
