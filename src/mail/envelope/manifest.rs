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
use crate::wire::reader::{self, Reader, Schema, put};
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
        piece::seal(
            suite,
            Purpose::Manifest,
            message_key,
            rng,
            &self.plaintext()?,
        )
    }

    /// The encoded plaintext, in a buffer wiped on drop.
    pub(super) fn plaintext(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let wire = ManifestWire {
            e2e: self.e2e,
            pieces: (self.pieces.iter())
                .map(|p| PieceEntryWire {
                    key: Fixed(*p.key.expose_secret()),
                    digest: Fixed(p.digest.0),
                })
                .collect(),
        };
        Ok(wire::encode_secret(&wire, MAX_MANIFEST_LEN).ok_or(Limit::ManifestSize)?)
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
        Manifest::parse(&Zeroizing::new(plaintext))
    }

    /// Reads a manifest plaintext (SPEC.md §4.1, §6.2) in place: the keys are copied once,
    /// into the entries; no serde scratch buffer, no re-encoding of the secret.
    pub(super) fn parse(plaintext: &[u8]) -> Result<Manifest, Error> {
        let manifest = reader::decode(
            plaintext,
            MAX_MANIFEST_LEN,
            Limit::ManifestSize,
            read_manifest,
        )?;
        Manifest::within_limits(manifest)
    }

    /// The piece count against its limit, once the structure is read.
    fn within_limits(manifest: Manifest) -> Result<Manifest, Error> {
        if manifest.pieces.len() > MAX_PIECES {
            return Err(Limit::Pieces.into());
        }
        Ok(manifest)
    }

    /// The reference reader that [`Manifest::parse`] replaced (serde, then a re-encoding
    /// compared byte for byte), kept for the tests that compare the two.
    #[cfg(test)]
    pub(super) fn parse_with_serde(plaintext: &[u8]) -> Result<Manifest, Error> {
        let wire: ManifestWire = wire::decode(plaintext, MAX_MANIFEST_LEN, Limit::ManifestSize)?;
        Manifest::within_limits(Manifest {
            e2e: wire.e2e,
            pieces: (wire.pieces.iter())
                .map(|p| PieceEntry {
                    key: PieceKey::from_bytes(p.key.0),
                    digest: PieceDigest(p.digest.0),
                })
                .collect(),
        })
    }
}

/// `{e: bool, p: [{d, k}, ...]}` (SPEC.md §6.2); entries past the limit are read, not kept.
fn read_manifest(r: &mut Reader<'_>) -> Result<Manifest, Schema> {
    let (mut e2e, mut pieces) = (None, None);
    r.map(&["e", "p"], |r, key| match key {
        "e" => put(&mut e2e, r.boolean()?),
        "p" => put(
            &mut pieces,
            r.array(MAX_PIECES.saturating_add(1), read_entry)?,
        ),
        _ => Err(Schema),
    })?;
    Ok(Manifest {
        e2e: e2e.ok_or(Schema)?,
        pieces: pieces.ok_or(Schema)?,
    })
}

/// `{d: bstr .size 32, k: bstr .size 32}`.
fn read_entry(r: &mut Reader<'_>) -> Result<PieceEntry, Schema> {
    let (mut digest, mut key) = (None, None);
    r.map(&["d", "k"], |r, name| match name {
        "d" => put(&mut digest, r.fixed().map(PieceDigest)?),
        "k" => put(&mut key, r.fixed().map(PieceKey::from_bytes)?),
        _ => Err(Schema),
    })?;
    Ok(PieceEntry {
        key: key.ok_or(Schema)?,
        digest: digest.ok_or(Schema)?,
    })
}
