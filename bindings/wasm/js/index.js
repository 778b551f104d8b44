// The package's entry point in browsers (and bundlers): `await init()` once, which fetches
// mailseal_bg.wasm beside this file (or pass `{ module_or_path }`).
export * from "./mailseal.js";
export { default, initSync } from "./mailseal.js";
export * from "./stream.js";
