//! A user's own data — custom labels, folder names, signatures, settings, drafts' metadata —
//! encrypted under the symmetric key of the user's PUK (SPEC.md §9).
//!
//! Each blob is bound to the user, the PUK generation, a type label and, for data about one
//! mail (a label applied to it), that mail's message id, and optionally to a version counter:
//! the binding goes into the key, so a blob moved to another message, type or user fails the
//! key commitment before anything is decrypted. A client that remembers the last version it
//! saw passes it as `min_version` and detects the server replaying an older blob.
//!
//! ```
//! use mailseal::keys::{PukSecret, UserId};
//! use mailseal::account::userdata::{open_user_data, seal_user_data, UserDataBinding};
//! use mailseal::Suite;
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([12; 32]);
//! let user = UserId::new([1; 16]);
//! let puk = PukSecret::generate(Suite::X25519, user, 1, &mut rng)?;
//! let label = UserDataBinding { data_type: "label", message_id: Some("<m1@example.com>"), version: Some(3) };
//! let blob = seal_user_data(&puk, &label, b"Projects/Q3", &mut rng)?;
//! let opened = open_user_data(&blob, &user, &[puk], &label, Some(3))?;
//! assert_eq!(opened, b"Projects/Q3");
//! # Ok::<(), mailseal::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::error::{AuthFailure, Error, Field, Limit, Malformed};
use crate::keys::{PukSecret, UserId};
use crate::mail::envelope::check_message_id;
use crate::piece::{self, PieceKey, Purpose};
use crate::suite::Suite;
use crate::wire::{self, Bytes};

/// Largest encoded user-data blob.
pub const MAX_USER_DATA_LEN: usize = 1024 * 1024;
/// Longest type label, in bytes.
pub const MAX_TYPE_LEN: usize = 64;

/// What a blob is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserDataBinding<'a> {
    /// Type label: `"label"`, `"folder"`, `"signature"`, `"setting:…"`; 1–64 bytes.
    pub data_type: &'a str,
    /// The message this data is about (for a label applied to a mail), if any.
    pub message_id: Option<&'a str>,
    /// A version counter the client increments on each change, if it tracks rollback.
    pub version: Option<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserDataWire {
    #[serde(rename = "c")]
    ciphertext: Bytes,
    #[serde(rename = "g")]
    generation: u32,
    #[serde(rename = "k")]
    data_type: String,
    #[serde(rename = "m", deserialize_with = "crate::wire::present")]
    message_id: Option<String>,
    #[serde(rename = "n", deserialize_with = "crate::wire::present")]
    version: Option<u64>,
    #[serde(rename = "s")]
    suite: u16,
    #[serde(rename = "u")]
    user: UserId,
}

fn check_binding(b: &UserDataBinding<'_>) -> Result<(), Error> {
    let t = b.data_type;
    if t.is_empty() || t.len() > MAX_TYPE_LEN || t.chars().any(char::is_control) {
        return Err(Malformed::Field(Field::UserDataType).into());
    }
    if let Some(m) = b.message_id {
        check_message_id(m)?;
    }
    Ok(())
}

/// SPEC.md §9:
/// ```text
/// key = HKDF-SHA256(salt = "mailseal v1 user data", IKM = symmetric key,
///         info = suite_id || user || u32be(g) || u8(len(type)) || type
///                || u8(has_mid) || u16be(len(mid)) || mid || u8(has_version) || u64be(version), 32)
/// ```
/// (`mid` empty and `version` 0 when absent.)
/// `b` must have passed [`check_binding`]: the lengths then fit their prefixes (type ≤ 64
/// bytes in a `u8`, message id ≤ 998 bytes in a `u16`); a length that did not would be an
/// error here, never a truncation.
fn blob_key(puk: &PukSecret, b: &UserDataBinding<'_>) -> Result<PieceKey, Error> {
    let mid = b.message_id.unwrap_or("");
    let type_len =
        u8::try_from(b.data_type.len()).map_err(|_| Malformed::Field(Field::UserDataType))?;
    let mid_len = u16::try_from(mid.len()).map_err(|_| Malformed::Field(Field::MessageId))?;
    let key = crate::keys::hkdf32(
        b"mailseal v1 user data",
        puk.symmetric_key().expose_secret(),
        &[
            &puk.suite().id_bytes(),
            puk.public().user.as_bytes(),
            &puk.generation().to_be_bytes(),
            &[type_len],
            b.data_type.as_bytes(),
            &[u8::from(b.message_id.is_some())],
            &mid_len.to_be_bytes(),
            mid.as_bytes(),
            &[u8::from(b.version.is_some())],
            &b.version.unwrap_or(0).to_be_bytes(),
        ],
    );
    Ok(PieceKey::from_bytes(*key))
}

/// Encrypts `plaintext` as user data of `puk`'s user under `binding`.
///
/// Memory: the blob, about the plaintext's size plus 150 bytes.
pub fn seal_user_data(
    puk: &PukSecret,
    binding: &UserDataBinding<'_>,
    plaintext: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, Error> {
    check_binding(binding)?;
    let key = blob_key(puk, binding)?;
    let sealed = piece::seal(puk.suite(), Purpose::UserData, &key, rng, plaintext)?;
    let blob = wire::encode(&UserDataWire {
        ciphertext: Bytes(sealed.ciphertext),
        generation: puk.generation(),
        data_type: binding.data_type.into(),
        message_id: binding.message_id.map(Into::into),
        version: binding.version,
        suite: puk.suite().id(),
        user: puk.public().user,
    });
    if blob.len() > MAX_USER_DATA_LEN {
        return Err(Limit::UserDataSize.into());
    }
    Ok(blob)
}

/// Opens a blob the caller expects under `binding`, with any PUK generation it holds.
///
/// Checks, in order: parse and limits; suite; the blob names `user` and the expected type,
/// message and version (else [`AuthFailure::UserData`]); the generation is held (else
/// [`Error::NotARecipient`]); `min_version`: a blob without a version, or with a smaller one,
/// is [`AuthFailure::Rollback`]; then decryption under the bound key. `binding.version` is
/// not used here: the blob's own version is authenticated by the key and checked against
/// `min_version`.
/// `puks` borrows the keys: a slice, an array of references or any iterator of
/// `&PukSecret`, and they are the generations the caller accepts. `min_version` stops a
/// service from serving an older blob, but not a forger: anyone who holds an old generation
/// (a device revoked since, or escrow administrators after escrow was turned off) can seal a
/// blob under it with any version. After a rotation that removed such a holder, re-seal the
/// data under the new generation and from then on pass only the generations introduced since
/// (SPEC.md §9). Memory: the plaintext.
pub fn open_user_data<'k>(
    blob: &[u8],
    user: &UserId,
    puks: impl IntoIterator<Item = &'k PukSecret>,
    binding: &UserDataBinding<'_>,
    min_version: Option<u64>,
) -> Result<Vec<u8>, Error> {
    check_binding(binding)?;
    let w: UserDataWire = wire::decode(blob, MAX_USER_DATA_LEN, Limit::UserDataSize)?;
    let suite = Suite::from_id(w.suite)?;
    if w.user != *user
        || w.data_type != binding.data_type
        || w.message_id.as_deref() != binding.message_id
    {
        return Err(AuthFailure::UserData.into());
    }
    let puk = puks
        .into_iter()
        .find(|p| p.generation() == w.generation && p.public().user == *user && p.suite() == suite)
        .ok_or(Error::NotARecipient)?;
    if let Some(min) = min_version
        && w.version.is_none_or(|v| v < min)
    {
        return Err(AuthFailure::Rollback.into());
    }
    // The version comes from the blob; the key binds it, so an edited version fails.
    let bound = UserDataBinding {
        version: w.version,
        ..*binding
    };
    let key = blob_key(puk, &bound)?;
    let opened = piece::open(suite, Purpose::UserData, &key, &w.ciphertext.0)
        .map_err(|_| AuthFailure::UserData)?;
    Ok(opened.plaintext)
}
