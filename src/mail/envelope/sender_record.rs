//! The sender record: what the sender's own copy needs to check the BCC string and the whole
//! signed recipient list, encrypted under the message key (SPEC.md §6.2).

use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::{MAX_RECIPIENTS, MAX_SENDER_RECORD_LEN};
use crate::error::{AuthFailure, Error, Limit};
use crate::identity::ChainTail;
use crate::keys::UserId;
use crate::piece::{self, PieceKey, Purpose};
use crate::suite::Suite;
use crate::wire::{self, Fixed};

/// One recipient user as the sender recorded it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordEntry {
    #[serde(rename = "a")]
    pub(crate) address: String,
    /// Fingerprint of the mail key the box was sealed to.
    #[serde(rename = "f")]
    pub(crate) key_fingerprint: Fixed<32>,
    #[serde(rename = "g")]
    pub(crate) generation: u32,
    /// The leaf position.
    #[serde(rename = "i")]
    pub(crate) position: u16,
    #[serde(rename = "k")]
    pub(crate) kind: u8,
    /// The leaf salt.
    #[serde(rename = "s")]
    pub(crate) salt: Fixed<32>,
    /// The recipient's chain tail the box was sealed against (`None` for the server's box).
    #[serde(rename = "t", deserialize_with = "crate::wire::present")]
    pub(crate) tail: Option<ChainTail>,
    #[serde(rename = "u")]
    pub(crate) user: UserId,
}

/// The sender record plaintext.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SenderRecord {
    /// Every recipient user, the sender's own included.
    #[serde(rename = "r")]
    pub(crate) recipients: Vec<RecordEntry>,
    /// The key of the BCC commitment.
    #[serde(rename = "bk")]
    pub(crate) bcc_key: Fixed<32>,
    /// The key of the tree's filler values.
    #[serde(rename = "tk")]
    pub(crate) tree_key: Fixed<32>,
    /// The BCC string as the sender wrote it.
    #[serde(rename = "bcc")]
    pub(crate) bcc: String,
}

impl Drop for SenderRecord {
    fn drop(&mut self) {
        self.bcc_key.0.zeroize();
        self.tree_key.0.zeroize();
        self.recipients.iter_mut().for_each(|r| r.salt.0.zeroize());
    }
}

impl SenderRecord {
    pub(crate) fn seal(
        &self,
        suite: Suite,
        record_key: &PieceKey,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, Error> {
        let plaintext =
            wire::encode_secret(self, MAX_SENDER_RECORD_LEN).ok_or(Limit::SenderRecordSize)?;
        Ok(piece::seal(suite, Purpose::SenderRecord, record_key, rng, &plaintext)?.ciphertext)
    }

    pub(crate) fn open(
        suite: Suite,
        record_key: &PieceKey,
        ciphertext: &[u8],
    ) -> Result<SenderRecord, Error> {
        if ciphertext.len() > MAX_SENDER_RECORD_LEN {
            return Err(Limit::SenderRecordSize.into());
        }
        let opened = piece::open(suite, Purpose::SenderRecord, record_key, ciphertext)
            .map_err(|_| AuthFailure::RecipientList)?;
        let plaintext = Zeroizing::new(opened.plaintext);
        let record: SenderRecord =
            wire::decode(&plaintext, MAX_SENDER_RECORD_LEN, Limit::SenderRecordSize)?;
        if record.recipients.len() > MAX_RECIPIENTS {
            return Err(Limit::Recipients.into());
        }
        Ok(record)
    }
}
