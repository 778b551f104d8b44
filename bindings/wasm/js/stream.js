// Web Streams over the chunk-by-chunk sealer and openers: an attachment of any size passes
// through one 64 KiB chunk at a time, never whole in memory.

/**
 * A TransformStream sealing the plaintext written to it as the next piece of `sealer`'s mail;
 * what it reads out is the piece's ciphertext, to upload. When the stream closes, the piece is
 * attached to the mail: `await readable.pipeThrough(sealingStream(sealer)).pipeTo(upload)`,
 * then `sealer.seal()`.
 */
export function sealingStream(sealer) {
  const piece = sealer.beginPiece();
  return new TransformStream({
    transform(chunk, controller) {
      const out = piece.push(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    flush(controller) {
      const out = piece.finish();
      if (out.length > 0) controller.enqueue(out);
      sealer.attach(piece);
      piece.free();
    },
  });
}

/**
 * A TransformStream opening piece `index` of an opened mail from its ciphertext. With the
 * piece's `tagList` (from the server, or `tagList(ciphertext)`), every chunk released is
 * vouched for by the manifest's digest (SPEC.md §3.8). Without it, chunks are released as
 * they authenticate and the digest is checked at the end: if the stream errors, discard
 * everything it gave.
 */
export function openingStream(opened, index, tagList) {
  const decryptor = tagList
    ? opened.verifiedPieceDecryptor(index, tagList)
    : opened.pieceDecryptor(index);
  return new TransformStream({
    transform(chunk, controller) {
      const out = decryptor.push(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    flush(controller) {
      const out = decryptor.finish();
      if (out && out.length > 0) controller.enqueue(out);
      decryptor.free();
    },
  });
}
