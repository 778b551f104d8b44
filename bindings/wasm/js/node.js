// The package's entry point in Node: the module is compiled and ready on import (no
// `await init()` needed, though calling it is harmless).
import { readFileSync } from "node:fs";
import { initSync } from "./mailseal.js";

initSync({ module: readFileSync(new URL("./mailseal_bg.wasm", import.meta.url)) });

export * from "./mailseal.js";
export { default, initSync } from "./mailseal.js";
export * from "./stream.js";
