//! The manifest: the piece keys, the piece digests and the E2E flag, encrypted under the
//! message key (SPEC.md §6.2).

use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::{MAX_MANIFEST_LEN, MAX_PIECES};
use crate::error::{AuthFailure, Error, Limit};
use crate::piece::{self, PieceDigest, PieceKey, Purpose, SealedPiece};
use crate::suite::Suite;
use crate::wire::{self, Fixed};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ManifestWire {
    #[serde(rename = "e")]
    e2e: bool,
    #[serde(rename = "p")]
    pieces: Vec<PieceEntryWire>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PieceEntryWire {
    #[serde(rename = "d")]
    digest: Fixed<32>,
    #[serde(rename = "k")]
    key: Fixed<32>,
}

impl Drop for ManifestWire {
    fn drop(&mut self) {
        self.pieces.iter_mut().for_each(|p| p.key.0.zeroize());
    }
}

/// One piece as the manifest records it.
pub(crate) struct PieceEntry {
    pub(crate) key: PieceKey,
    pub(crate) digest: PieceDigest,
}

/// The decrypted manifest. Holds piece keys: no `Debug`, no `Clone`.
pub(crate) struct Manifest {
    pub(crate) e2e: bool,
    pub(crate) pieces: Vec<PieceEntry>,
}

impl Manifest {
    /// Encrypts the manifest under the message key with the piece cipher (purpose "manifest").
    pub(crate) fn seal(
        &self,
        suite: Suite,
        message_key: &PieceKey,
        rng: &mut impl CryptoRng,
    ) -> Result<SealedPiece, Error> {
        let wire = ManifestWire {
            e2e: self.e2e,
            pieces: self
                .pieces
                .iter()
                .map(|p| PieceEntryWire {
                    key: Fixed(*p.key.expose_secret()),
                    digest: Fixed(p.digest.0),
                })
                .collect(),
        };
        let plaintext = wire::encode_secret(&wire, MAX_MANIFEST_LEN).ok_or(Limit::ManifestSize)?;
        piece::seal(suite, Purpose::Manifest, message_key, rng, &plaintext)
    }

    /// Opens a manifest ciphertext whose digest must be `expected` (SPEC.md §6.9 step 9).
    pub(crate) fn open(
        suite: Suite,
        message_key: &PieceKey,
        ciphertext: &[u8],
        expected: &PieceDigest,
    ) -> Result<Manifest, Error> {
        if ciphertext.len() > MAX_MANIFEST_LEN {
            return Err(Limit::ManifestSize.into());
        }
        let plaintext =
            piece::open_expecting(suite, Purpose::Manifest, message_key, ciphertext, expected)
                .map_err(|_| AuthFailure::Manifest)?;
        let plaintext = Zeroizing::new(plaintext);
        let wire: ManifestWire = wire::decode(&plaintext, MAX_MANIFEST_LEN, Limit::ManifestSize)?;
        if wire.pieces.len() > MAX_PIECES {
            return Err(Limit::Pieces.into());
        }
        Ok(Manifest {
            e2e: wire.e2e,
            pieces: wire
                .pieces
                .iter()
                .map(|p| PieceEntry {
                    key: PieceKey::from_bytes(p.key.0),
                    digest: PieceDigest(p.digest.0),
                })
                .collect(),
        })
    }
}
