export * from "./mailseal.js";
export { default, initSync } from "./mailseal.js";
export * from "./stream.js";
