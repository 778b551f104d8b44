//! Access-restricted external mail: a link box whose key travels only in a URL fragment
//! (SPEC.md §10.3).
//!
//! The sender adds a box for a fresh 32-byte link key and sends the external recipient a link
//! whose fragment holds that key and the digest of the mail it opens. The server stores and
//! serves the [`LinkCopy`] but never sees the fragment (browsers do
//! not send it), so it keeps only ciphertext. The reader's browser calls [`open_link_copy`].

use alloc::vec::Vec;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::mail::envelope::link_box::parse_fragment;
pub use crate::mail::envelope::link_box::{LinkFragment, LinkKey};

use crate::error::{AuthFailure, Error, Field, Malformed};
use crate::mail::envelope::digest::{header_hash, link_digest};
use crate::mail::envelope::manifest::Manifest;
use crate::mail::envelope::{LinkCopy, Origin, RoutingHeader};
use crate::mail::open::{OpenedMail, SenderStatus, check_manifest_against_header};
use crate::piece::{self, PieceKey, Purpose};

/// Opens access-restricted mail in the reader's browser (SPEC.md §10.3).
///
/// Checks, in order: strict parse of the link copy and its header; the header carries an
/// expiry and `now` (the caller's clock, seconds) is not past it (**authentication: link
/// expired**); the fragment parses; the copy's link digest equals the fragment's (the server
/// served the mail the sender linked); the link box opens; the manifest opens with the digest
/// the header hash pins. The result is never E2E: the sender status is
/// [`SenderStatus::Unsigned`] as far as the reader can tell (it has no key directory).
pub fn open_link_copy(copy: &[u8], fragment: &str, now: u64) -> Result<OpenedMail, Error> {
    let copy = LinkCopy::parse(copy)?;
    let (header, suite) = RoutingHeader::parse(&copy.header.0)?;
    let expiry = header.expiry.ok_or(Malformed::Field(Field::Expiry))?;
    if header.origin() != Origin::SenderDevice {
        return Err(Malformed::Field(Field::Origin).into());
    }
    if now > expiry {
        return Err(AuthFailure::LinkExpired.into());
    }
    let (key, pinned) = parse_fragment(fragment)?;
    let manifest_digest = piece::digest(suite, Purpose::Manifest, &copy.manifest.0)?;
    let actual = link_digest(
        &header_hash(&copy.header.0),
        &manifest_digest,
        &copy.bcc_commitment.0,
    );
    if !bool::from(actual.ct_eq(&pinned)) {
        return Err(AuthFailure::LinkDigest.into());
    }
    let box_key = key.box_key(suite, &pinned);
    let mk: Zeroizing<Vec<u8>> = Zeroizing::new(
        piece::open(suite, Purpose::LinkBox, &box_key, &copy.link_box.0)
            .map_err(|_| AuthFailure::RecipientBox)?
            .plaintext,
    );
    let mut mk_bytes = Zeroizing::new([0u8; 32]);
    if mk.len() != mk_bytes.len() {
        return Err(Malformed::BoxPlaintext.into());
    }
    mk_bytes.copy_from_slice(&mk);
    let message_key = PieceKey::from_bytes(*mk_bytes);
    let manifest = Manifest::open(suite, &message_key, &copy.manifest.0, &manifest_digest)?;
    check_manifest_against_header(&manifest, &header)?;
    Ok(OpenedMail::from_parts(
        header,
        suite,
        crate::mail::envelope::RecipientKind::Link,
        SenderStatus::Unsigned,
        manifest,
        None,
        crate::mail::open::Findings::default(),
    ))
}
