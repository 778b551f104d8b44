//! The piece key schedule, the per-chunk transform and the digest accumulator (SPEC.md §3.2–3.4).
//!
//! Everything that touches a derived key lives here, so the encryptor, the stream decryptor
//! and the random-access reader share one implementation of the construction.

use aes::Aes256;
use ctr::cipher::{InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};
use ctr::{CtrCore, flavors};
use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::{COMMITMENT_LEN, HEADER_LEN, NONCE_LEN, PieceDigest, PieceKey, Purpose, TAG_LEN};
use crate::suite::Suite;

/// SPEC.md §3.2: `info = "mailseal v1 piece keys" || suite_id || len(purpose) || purpose`.
const KEY_INFO_LABEL: &[u8] = b"mailseal v1 piece keys";
/// SPEC.md §3.4: the BLAKE3 `derive_key` context of the piece digest.
const DIGEST_CONTEXT: &str = "mailseal v1 piece digest";

/// The three values derived from (piece key, nonce): the commitment stored in the header, the
/// AES-256 key of the keystream and the BLAKE3 key of the chunk tags.
pub(crate) struct PieceKeys {
    commitment: [u8; COMMITMENT_LEN],
    aes: Aes256,
    mac_key: Zeroizing<[u8; 32]>,
}

impl PieceKeys {
    /// SPEC.md §3.2:
    /// ```text
    /// prk = HKDF-Extract(salt = nonce, IKM = piece_key)                  (HKDF-SHA256)
    /// okm = HKDF-Expand(prk, "mailseal v1 piece keys" || suite_id || len(purpose) || purpose, 96)
    /// commitment = okm[0..32]   aes_key = okm[32..64]   mac_key = okm[64..96]
    /// ```
    pub(crate) fn derive(
        suite: Suite,
        purpose: Purpose,
        key: &PieceKey,
        nonce: &[u8; NONCE_LEN],
    ) -> Self {
        let okm = okm(suite, purpose, key, nonce);
        let (commitment, rest) = okm.split_at(COMMITMENT_LEN);
        let (aes_key, mac_key) = rest.split_at(32);
        let mut aes_key_block = Zeroizing::new([0u8; 32]);
        aes_key_block.copy_from_slice(aes_key);
        let mut keys = PieceKeys {
            commitment: [0; COMMITMENT_LEN],
            aes: Aes256::new(&(*aes_key_block).into()),
            mac_key: Zeroizing::new([0; 32]),
        };
        keys.commitment.copy_from_slice(commitment);
        keys.mac_key.copy_from_slice(mac_key);
        keys
    }

    /// The commitment written into the header.
    pub(crate) fn commitment(&self) -> &[u8; COMMITMENT_LEN] {
        &self.commitment
    }

    /// Constant-time check of a received commitment.
    pub(crate) fn commitment_matches(&self, received: &[u8]) -> bool {
        bool::from(self.commitment.ct_eq(received))
    }

    /// SPEC.md §3.3: the keystream of chunk `index` starts at the counter block
    /// `u64be(index) || u8(final) || 0x000000 || u32be(0)`, incremented on its last 32 bits.
    fn apply_keystream(&self, index: u64, is_final: bool, data: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[..8].copy_from_slice(&index.to_be_bytes());
        iv[8] = u8::from(is_final);
        let core = CtrCore::<Aes256, flavors::Ctr32BE>::inner_iv_init(self.aes.clone(), &iv.into());
        let mut cipher = StreamCipherCoreWrapper::from_core(core);
        cipher.apply_keystream(data);
    }

    /// SPEC.md §3.3: `tag = BLAKE3-keyed(mac_key, c || u64be(index) || u8(final))`.
    ///
    /// The position goes after the ciphertext: BLAKE3 hashes 1 KiB-aligned input with its
    /// widest SIMD path, and a 9-byte prefix would misalign every chunk (about 30% slower here).
    /// The suffix has a fixed length, so the encoding stays injective.
    pub(crate) fn tag(&self, index: u64, is_final: bool, ciphertext: &[u8]) -> [u8; TAG_LEN] {
        let mut h = blake3::Hasher::new_keyed(&self.mac_key);
        h.update(ciphertext);
        h.update(&index.to_be_bytes());
        h.update(&[u8::from(is_final)]);
        let tag = *h.finalize().as_bytes();
        h.zeroize();
        tag
    }

    /// Encrypts `data` in place as chunk `index` and returns its tag.
    pub(crate) fn seal_in_place(
        &self,
        index: u64,
        is_final: bool,
        data: &mut [u8],
    ) -> [u8; TAG_LEN] {
        self.apply_keystream(index, is_final, data);
        self.tag(index, is_final, data)
    }

    /// Constant-time check of chunk `index`'s tag; decrypts nothing.
    pub(crate) fn verify(&self, index: u64, is_final: bool, ciphertext: &[u8], tag: &[u8]) -> bool {
        bool::from(self.tag(index, is_final, ciphertext).ct_eq(tag))
    }

    /// Decrypts chunk `index` in place. Call only after [`PieceKeys::verify`] succeeded.
    pub(crate) fn decrypt_verified_in_place(&self, index: u64, is_final: bool, data: &mut [u8]) {
        self.apply_keystream(index, is_final, data);
    }
}

/// SPEC.md §3.2: the 96 bytes `commitment || aes_key || mac_key`.
pub(crate) fn okm(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    nonce: &[u8; NONCE_LEN],
) -> Zeroizing<[u8; 96]> {
    let hk = Hkdf::<Sha256>::new(Some(nonce), key.expose_secret());
    let label = purpose.label();
    let mut okm = Zeroizing::new([0u8; 96]);
    // 96 bytes is far below HKDF-SHA256's 8160-byte maximum, so expand cannot fail.
    let expanded = hk.expand_multi_info(
        &[
            KEY_INFO_LABEL,
            &suite.id_bytes(),
            &[label.len() as u8],
            label,
        ],
        okm.as_mut_slice(),
    );
    debug_assert!(expanded.is_ok());
    okm
}

/// Accumulates SPEC.md §3.4:
/// ```text
/// digest = BLAKE3-derive_key("mailseal v1 piece digest",
///            suite_id || len(purpose) || purpose || header || tag_0 || … || tag_{n-1} || u64be(ciphertext_len))
/// ```
pub(crate) struct DigestBuilder {
    hasher: blake3::Hasher,
}

impl DigestBuilder {
    pub(crate) fn new(suite: Suite, purpose: Purpose, header: &[u8; HEADER_LEN]) -> Self {
        let label = purpose.label();
        let mut hasher = blake3::Hasher::new_derive_key(DIGEST_CONTEXT);
        hasher.update(&suite.id_bytes());
        hasher.update(&[label.len() as u8]);
        hasher.update(label);
        hasher.update(header);
        DigestBuilder { hasher }
    }

    pub(crate) fn add_tag(&mut self, tag: &[u8]) {
        self.hasher.update(tag);
    }

    pub(crate) fn finish(mut self, ciphertext_len: u64) -> PieceDigest {
        self.hasher.update(&ciphertext_len.to_be_bytes());
        PieceDigest(*self.hasher.finalize().as_bytes())
    }
}
