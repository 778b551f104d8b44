//! Typed errors, split by cause.
//!
//! Every failure names the check that failed (SPEC.md gives the order in which checks run), so
//! a caller can tell malformed input from a failed authentication, an unsupported suite, its
//! own misuse, or a limit. No variant carries attacker-chosen text.

use core::fmt;

/// Every error this crate returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not have the required structure (lengths, layout, encoding).
    Malformed(Malformed),
    /// A cryptographic check failed: the input was altered, or the key is not the right one.
    Authentication(AuthFailure),
    /// The input names a version or suite this build does not implement.
    Unsupported(Unsupported),
    /// The caller used the API in a way it does not allow.
    Misuse(Misuse),
    /// The input exceeds a documented limit; nothing was allocated for it.
    LimitExceeded(Limit),
}

/// Structural problems found before any cryptography runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// A piece header is not exactly [`crate::piece::HEADER_LEN`] bytes.
    PieceHeaderLength,
    /// A piece ciphertext ended before the final chunk's tag was complete.
    PieceTruncated,
    /// A piece ciphertext length cannot be split into valid chunks.
    PieceLength,
    /// A chunk handed to the random-access reader does not have the length its position requires.
    ChunkLength {
        /// Index of the chunk.
        index: u64,
    },
    /// A final chunk with no plaintext in a piece that has earlier chunks (SPEC.md §3.5).
    EmptyFinalChunk,
}

/// Cryptographic checks that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// The key commitment in the piece header does not match the key: wrong key, or an
    /// altered header. Checked before any chunk is decrypted.
    KeyCommitment,
    /// A chunk's tag did not verify at its position (altered, reordered, from another piece,
    /// or cut short).
    Chunk {
        /// Index of the chunk that failed.
        index: u64,
    },
    /// The ciphertext ended after a non-final chunk: the final chunk is missing.
    FinalChunkMissing,
    /// A chunk that verifies as final is followed by more data (a second final chunk,
    /// or bytes appended after the end).
    DataAfterFinalChunk {
        /// Index of the final chunk that was not last.
        index: u64,
    },
    /// The piece's digest is not the one the caller expected.
    PieceDigest,
}

/// Versions and suites this build does not implement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// Unknown suite identifier.
    Suite(u16),
}

/// Ways the caller used the API wrongly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misuse {
    /// A stream was used again after it returned an error; it fails closed from then on.
    StreamFailed,
    /// A chunk index past the last chunk of the piece.
    ChunkIndexOutOfRange {
        /// The index asked for.
        index: u64,
    },
}

/// Documented limits (SPEC.md §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// A piece would need more than [`crate::piece::MAX_CHUNKS`] chunks.
    ChunkCounter,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed(m) => write!(f, "malformed input: {m:?}"),
            Error::Authentication(a) => write!(f, "authentication failed: {a:?}"),
            Error::Unsupported(u) => write!(f, "unsupported: {u:?}"),
            Error::Misuse(m) => write!(f, "API misuse: {m:?}"),
            Error::LimitExceeded(l) => write!(f, "limit exceeded: {l:?}"),
        }
    }
}

impl core::error::Error for Error {}

impl From<Malformed> for Error {
    fn from(e: Malformed) -> Self {
        Error::Malformed(e)
    }
}
impl From<AuthFailure> for Error {
    fn from(e: AuthFailure) -> Self {
        Error::Authentication(e)
    }
}
impl From<Unsupported> for Error {
    fn from(e: Unsupported) -> Self {
        Error::Unsupported(e)
    }
}
impl From<Misuse> for Error {
    fn from(e: Misuse) -> Self {
        Error::Misuse(e)
    }
}
impl From<Limit> for Error {
    fn from(e: Limit) -> Self {
        Error::LimitExceeded(e)
    }
}
