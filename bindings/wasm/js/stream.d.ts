import type { MailSealer, OpenedMail } from "./mailseal.js";

/** Seals what is written to it as the next piece of `sealer`'s mail; reads out ciphertext. */
export function sealingStream(sealer: MailSealer): TransformStream<Uint8Array, Uint8Array>;
/** Opens piece `index` from its ciphertext; verified against the digest with `tagList`. */
export function openingStream(
  opened: OpenedMail,
  index: number,
  tagList?: Uint8Array,
): TransformStream<Uint8Array, Uint8Array>;
