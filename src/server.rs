//! The server's key-free work: split an uploaded envelope into per-recipient copies
//! (SPEC.md §6.7).

use alloc::string::String;
use alloc::vec::Vec;

use crate::envelope::{Copy, Envelope, RecipientKind, RoutingHeader};
use crate::error::{Error, Field, Malformed};
use crate::keys::UserId;
use crate::open::check_kind_against_header;

/// One recipient's copy, with where to deliver it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientCopy {
    /// Delivery address.
    pub address: String,
    /// Recipient user.
    pub user: UserId,
    /// How the user was addressed ([`RecipientKind::Sender`] is the Sent-folder copy).
    pub kind: RecipientKind,
    /// The encoded copy.
    pub copy: Vec<u8>,
}

/// Splits an envelope into one copy per recipient user; needs no key.
///
/// Each copy holds the header, the manifest, the BCC commitment and only that recipient's
/// box; the sender's own copy also holds the sender record. Checks first (SPEC.md §6.7):
/// strict parse and limits, a supported header, every box well formed, exactly one box for
/// the sender's user and it first, no user boxed twice, To/CC boxes named in the header and
/// every To/CC user of the header boxed, BCC boxes named nowhere.
///
/// Memory: the copies, about `number of boxes × (header + manifest + one box)`.
pub fn split_envelope(envelope: &[u8]) -> Result<Vec<RecipientCopy>, Error> {
    let env = Envelope::parse(envelope)?;
    let (header, suite) = RoutingHeader::parse(&env.header.0)?;
    let mut kinds = Vec::with_capacity(env.boxes.len());
    let mut users: Vec<&UserId> = Vec::with_capacity(env.boxes.len());
    for (i, b) in env.boxes.iter().enumerate() {
        let kind = b.validate(suite)?;
        check_kind_against_header(&header, kind, &b.address, &b.user)?;
        if (kind == RecipientKind::Sender) != (i == 0) || users.contains(&&b.user) {
            return Err(Malformed::Field(Field::RecipientSet).into());
        }
        users.push(&b.user);
        kinds.push(kind);
    }
    let all_boxed = header
        .to
        .iter()
        .chain(&header.cc)
        .all(|p| p.user == header.sender.user || users.contains(&&p.user));
    if env.boxes.is_empty() || !all_boxed {
        return Err(Malformed::Field(Field::RecipientSet).into());
    }
    let copies = env
        .boxes
        .iter()
        .zip(kinds)
        .map(|(b, kind)| RecipientCopy {
            address: b.address.clone(),
            user: b.user,
            kind,
            copy: Copy {
                header: env.header.clone(),
                manifest: env.manifest.clone(),
                bcc_commitment: env.bcc_commitment,
                recipient_box: b.clone(),
                sender_record: (kind == RecipientKind::Sender).then(|| env.sender_record.clone()),
            }
            .encode(),
        })
        .collect();
    Ok(copies)
}
