//! Verifiable abuse reports (SPEC.md §13): a recipient discloses chosen pieces of an E2E
//! mail; the service checks them against the sender's signature without any key of the
//! reporter's.

use std::sync::Arc;

use mailseal::mail::report as lib;

use crate::bytes::Bytes;
use crate::chain::Chain;
use crate::convert::{self, RecipientKind};
use crate::error::Result;
use crate::keys::Device;
use crate::open::{OpenedMail, RoutingHeader, routing_header};

/// Makes an abuse report of an opened mail, disclosing the pieces at `disclose` (body = 0),
/// signed by the reporter's device at `now`. Only device-signed mail can be reported.
#[uniffi::export]
pub fn make_report(
    opened: &OpenedMail,
    disclose: Vec<u32>,
    reporter: &Device,
    now: u64,
) -> Result<Bytes> {
    let disclose: Vec<usize> = disclose.into_iter().map(convert::index).collect();
    Ok(lib::report(&opened.inner, &disclose, &reporter.inner, now)?.into())
}

/// A disclosed piece of a verified report.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DisclosedPiece {
    /// The piece's index (body = 0).
    pub index: u32,
    /// Its plaintext, as the sender's device signed it.
    pub plaintext: Bytes,
}

/// What a verified report proves (SPEC.md §13.4).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VerifiedReport {
    /// The sender's user id.
    pub sender: String,
    /// The device that signed the mail.
    pub sender_device: String,
    /// That device's status in the sender's chain (SPEC.md §11.3).
    pub sender_status: String,
    /// The From address (`from` is a keyword in Python).
    pub from_address: String,
    /// Whether it is one of the sender's addresses.
    pub from_is_senders: bool,
    /// When the mail was sealed.
    pub sent_at: u64,
    /// The message id.
    pub message_id: String,
    /// The reporter's address as the mail named it.
    pub recipient: String,
    /// How the reporter was addressed.
    pub recipient_kind: RecipientKind,
    /// The reporter's user id.
    pub reporter: String,
    /// The reporter's device that signed the report.
    pub reporter_device: String,
    /// When the report was made.
    pub reported_at: u64,
    /// How many pieces the mail has.
    pub piece_count: u32,
    /// The disclosed pieces, by increasing index.
    pub pieces: Vec<DisclosedPiece>,
}

/// A report whose syntax has been checked (SPEC.md §13.3 steps 1–6), before any signature:
/// read `disclosed()` to fetch the stored ciphertexts, then `verify`.
#[derive(uniffi::Object)]
pub struct Report {
    inner: lib::Report,
}

#[uniffi::export]
impl Report {
    /// Checks a report's syntax: size, canonical CBOR, version, the routing header, the
    /// recipient entry, the tree position and path, the disclosed indices. No signature yet.
    #[uniffi::constructor]
    pub fn parse(bytes: Bytes) -> Result<Arc<Report>> {
        Ok(Arc::new(Report {
            inner: lib::Report::parse(&bytes)?,
        }))
    }

    /// The indices of the disclosed pieces, increasing: pass their stored ciphertexts to
    /// `verify` in this order.
    pub fn disclosed(&self) -> Vec<u32> {
        self.inner
            .disclosed()
            .into_iter()
            .map(convert::count)
            .collect()
    }

    /// The reported mail's routing header.
    pub fn header(&self) -> RoutingHeader {
        routing_header(self.inner.header())
    }

    /// The user who reports (fetch and verify its chain, then `verify`).
    pub fn reporter(&self) -> String {
        self.inner.reporter().to_string()
    }

    /// Verifies the report (SPEC.md §13.3 steps 7–11) against the sender's and the
    /// reporter's verified chains, opening each disclosed piece from its stored ciphertext.
    pub fn verify(
        &self,
        sender: &Chain,
        reporter: &Chain,
        ciphertexts: Vec<Bytes>,
    ) -> Result<VerifiedReport> {
        let refs: Vec<&[u8]> = ciphertexts.iter().map(|c| c.as_slice()).collect();
        let v = self.inner.verify(&sender.inner, &reporter.inner, &refs)?;
        Ok(VerifiedReport {
            sender: v.sender.to_string(),
            sender_device: v.sender_device.to_string(),
            sender_status: v.sender_status.code().into(),
            from_address: v.from.clone(),
            from_is_senders: v.from_is_senders,
            sent_at: v.sent_at,
            message_id: v.message_id.clone(),
            recipient: v.recipient.clone(),
            recipient_kind: RecipientKind::of(v.recipient_kind),
            reporter: v.reporter.to_string(),
            reporter_device: v.reporter_device.to_string(),
            reported_at: v.reported_at,
            piece_count: convert::count(v.piece_count),
            pieces: v
                .pieces
                .iter()
                .map(|p| DisclosedPiece {
                    index: convert::count(p.index),
                    plaintext: p.plaintext.clone().into(),
                })
                .collect(),
        })
    }
}

/// Parses and verifies a report in one call (`Report.parse` then `verify`).
#[uniffi::export]
pub fn verify_report(
    bytes: Bytes,
    sender: &Chain,
    reporter: &Chain,
    ciphertexts: Vec<Bytes>,
) -> Result<VerifiedReport> {
    Report::parse(bytes)?.verify(sender, reporter, ciphertexts)
}
