//! The server's side: key-free validation and splitting of envelopes, and sealing of mail the
//! server receives in plaintext (SPEC.md §6.7, §10).
//!
//! Validation and splitting need no key and never read piece ciphertext beyond its length.
//! Sealing on arrival ([`seal_inbound`]) turns plaintext from outside (external services,
//! mailing-list fan-out, system mail) into unsigned envelopes at once, so the server keeps
//! no plaintext; [`reseal_held`] does the same for mail held for a user who had no key yet.
//!
//! # A server's guide
//!
//! **Receiving a client's mail.** The client uploads one envelope and one ciphertext per
//! piece (body first, then attachments). Check them with [`validate_envelope`], giving the
//! uploaded pieces' lengths; it returns the routing information (who gets a copy, who is
//! external, who is held for later, whether there is an access-restricted link). Then
//! [`split_envelope`] gives one small copy per recipient user (a few KiB: the header, the
//! manifest ciphertext, the BCC commitment and that user's box). **Store each piece once**,
//! for every recipient: copies name pieces by position and all share them. A recipient's
//! client fetches its copy and the pieces; [`validate_copy`] is the check for a copy on its
//! own (for example on re-delivery).
//!
//! **The server's own key.** Mail to external addresses, or to a user who has no key yet,
//! carries a box for the server (SPEC.md §10.1): a [`crate::keys::PukSecret`] the server
//! generates for itself under a user id of its own (with [`crate::keys::PukSecret::generate`],
//! rotated like any PUK), whose public half clients receive as
//! [`crate::mail::seal::RecipientKey::server`] from the service's configuration. It has no
//! chain and signs nothing. The server opens its box with
//! [`crate::mail::open::open_copy`] and a [`crate::mail::open::Mailbox::server`], relays the
//! content to external recipients, and holds it for users without a key until
//! [`reseal_held`] seals it to their first key.
//!
//! **Mail from outside, mailing lists, system mail.** Mail that arrives in plaintext is
//! sealed at once with [`seal_inbound`] to each local recipient's current PUK (from the
//! chains the server verified) and the plaintext dropped. A mailing list is delivered the same
//! way: the list's members are the local recipients, the origin says it is list mail, and
//! every member's client shows **Server Encrypted** (SPEC.md §11.2).
//!
//! **What the server never has**: a user's PUK seed or device key, so it can neither read
//! E2E mail nor make any mail show **E2E Encrypted**.
//!
//! Memory: validation and splitting hold the envelope (at most 4 MiB) and its copies.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::error::{Error, Field, Limit, Malformed, Misuse};
use crate::keys::UserId;
use crate::mail::envelope::build::{self, Parts};
use crate::mail::envelope::{
    BoxView, CopyView, EnvelopeView, FormatVersion, MAX_HEADER_LEN, MAX_PIECES, MAX_RECIPIENTS,
    Origin, Party, RecipientKind, RoutingHeader, SenderParty,
};
use crate::mail::open::{OpenedMail, check_box_tail, check_kind};
use crate::mail::seal::{RecipientKey, SealedMail, manifest_entries, seal_piece};
use crate::piece::{self, PieceDigest};
use crate::suite::Suite;

/// One recipient's copy, with where to deliver it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientCopy {
    /// Delivery address.
    pub address: String,
    /// Recipient user (for the server's own box, the server key's id).
    pub user: UserId,
    /// How the user was addressed ([`RecipientKind::Sender`] is the Sent-folder copy,
    /// [`RecipientKind::ServerAccess`] the server's own).
    pub kind: RecipientKind,
    /// The encoded copy.
    pub copy: Vec<u8>,
}

/// What validation tells the server, for routing and spam decisions. All of it is plaintext
/// in the envelope; none of it is content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingInfo {
    /// The authenticated-by-recipients routing header.
    pub header: RoutingHeader,
    /// Its suite.
    pub suite: Suite,
    /// The boxes, in envelope order: whose each is and in what role.
    pub boxes: Vec<BoxRoute>,
    /// Whether a link box (access-restricted mail) is present.
    pub link_box: bool,
    /// To/CC users named without a box: the server holds the mail for them (only when the
    /// sender gave it access).
    pub held_for: Vec<HeldRecipient>,
    /// To/CC addresses with no account here.
    pub external: Vec<String>,
}

/// One recipient box as the server routes it: the copy for `user` goes to `address`'s
/// mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoxRoute {
    /// The box's role: To, CC, BCC, the sender's own, or the server's access box.
    pub kind: RecipientKind,
    /// The address the box names.
    pub address: String,
    /// The user the box is sealed to (for the server's access box: the server key's id).
    pub user: UserId,
}

/// A To or CC user named in the header without a box of their own: the server holds the mail
/// and seals it to them later (SPEC.md §10.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldRecipient {
    /// The address the header names.
    pub address: String,
    /// The user.
    pub user: UserId,
}

/// Validates an uploaded envelope without any key (SPEC.md §10.4) and returns its routing
/// information. `piece_lengths` are the lengths of the piece ciphertexts uploaded with it.
///
/// Cost: parsing the envelope (at most 4 MiB) and comparing lengths; piece bytes are never
/// read. Never panics.
///
/// ```
/// # use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([8; 32]);
/// # let suite = mailseal::Suite::X25519;
/// # let mut user = |n: u8, address: &str| -> Result<(PukSecret, DeviceSecret, ChainState), mailseal::Error> {
/// #     let puk = PukSecret::generate(suite, UserId::new([n; 16]), 1, &mut rng)?;
/// #     let device = DeviceSecret::generate(suite, DeviceId::new([n; 16]), &mut rng);
/// #     let chain = ChainState::verify(&[identity::root(suite, UserId::new([n; 16]), &device, puk.public(), &[address], 1)?])?;
/// #     Ok((puk, device, chain))
/// # };
/// # let (alice_puk, laptop, alice) = user(1, "alice@example.com")?;
/// # let (_, _, bob) = user(2, "bob@example.com")?;
/// # let (_, _, carol) = user(3, "carol@example.com")?;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
/// # let sender = SenderIdentity { address: "alice@example.com", puk: &alice_puk, device: &laptop, chain: &alice };
/// # let mut mail = MailSealer::new(suite, sender, "<m@example.com>", 1)?
/// #     .to(RecipientKey::from_chain("bob@example.com", &bob)?)
/// #     .bcc(RecipientKey::from_chain("carol@example.com", &carol)?);
/// # let body = mail.add_piece(b"Hello", &mut rng)?;
/// # let envelope = mail.seal(&mut rng)?;
/// use mailseal::mail::server::validate_envelope;
/// // The client uploaded `envelope` and one piece of `body.len()` bytes.
/// let info = validate_envelope(&envelope, &[body.len() as u64])?;
/// assert_eq!(info.boxes.len(), 3); // Alice's own, Bob's (To) and Carol's (BCC)
/// assert!(info.external.is_empty() && !info.link_box);
/// // A piece of another length than the header states is refused, without any key.
/// assert!(validate_envelope(&envelope, &[body.len() as u64 + 1]).is_err());
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn validate_envelope(envelope: &[u8], piece_lengths: &[u64]) -> Result<RoutingInfo, Error> {
    check_envelope(&EnvelopeView::parse(envelope)?, Some(piece_lengths))
}

/// SPEC.md §10.4 on a parsed envelope.
fn check_envelope(
    env: &EnvelopeView<'_>,
    piece_lengths: Option<&[u64]>,
) -> Result<RoutingInfo, Error> {
    check(
        env.header.value,
        &env.boxes,
        env.link_box.value.is_some(),
        env.sender_record.value.is_some(),
        piece_lengths,
        true,
    )
}

/// Validates one stored copy without any key (SPEC.md §10.4), as [`validate_envelope`] does
/// for whole envelopes, minus the checks that need every box.
pub fn validate_copy(copy: &[u8], piece_lengths: &[u64]) -> Result<RoutingInfo, Error> {
    let c = CopyView::parse(copy)?;
    check(
        c.header,
        core::slice::from_ref(&c.recipient_box),
        false,
        c.sender_record.is_some(),
        Some(piece_lengths),
        false,
    )
}

/// SPEC.md §10.4 checks, in order. Without `piece_lengths` (splitting, where the server
/// has not been given the pieces), the header's own sizes are checked to be piece lengths.
fn check(
    header_bytes: &[u8],
    boxes: &[BoxView<'_>],
    link_box: bool,
    sender_record: bool,
    piece_lengths: Option<&[u64]>,
    whole: bool,
) -> Result<RoutingInfo, Error> {
    let set = || Error::from(Malformed::Field(Field::RecipientSet));
    let (header, suite) = RoutingHeader::parse(header_bytes)?;
    let signed = header.origin() == Origin::SenderDevice;
    let piece_lengths = piece_lengths.unwrap_or(&header.piece_sizes);

    // Pieces: as many as the header says, each of the stated length, each a valid piece length.
    if piece_lengths.len() != header.piece_sizes.len() {
        return Err(Malformed::ManifestMismatch.into());
    }
    for (index, (stated, actual)) in header.piece_sizes.iter().zip(piece_lengths).enumerate() {
        if stated != actual || piece::plaintext_len(*actual).is_err() {
            return Err(Malformed::PieceSize { index }.into());
        }
    }
    // An expiry exactly when there is a link box (only device-signed mail has one).
    if whole && link_box != header.expiry.is_some() {
        return Err(Malformed::Field(Field::Expiry).into());
    }
    if link_box && !signed {
        return Err(Malformed::Field(Field::Origin).into());
    }

    // The header's users (each named at most once, SPEC.md §6.1), sorted, for the box kinds.
    let mut named: Vec<(UserId, RecipientKind, &str)> = (header.to.iter())
        .map(|p| (p, RecipientKind::To))
        .chain(header.cc.iter().map(|p| (p, RecipientKind::Cc)))
        .filter_map(|(p, kind)| p.user.map(|u| (u, kind, p.address.as_str())))
        .collect();
    named.sort_unstable_by_key(|n| n.0);
    let party = |user: &UserId| {
        let i = named.binary_search_by_key(user, |n| n.0).ok()?;
        named.get(i).map(|n| (n.1, n.2))
    };
    // The users with a box, sorted. Only if one has two is each box's user looked for among
    // the boxes before it, so that the first failure in envelope order is the one reported.
    let (users, repeated) = crate::keys::sorted_ids(boxes.iter().map(|b| &b.user));

    let mut kinds = Vec::with_capacity(boxes.len());
    for (i, b) in boxes.iter().enumerate() {
        let kind = b.validate(suite)?;
        check_kind(&header, party(&b.user), kind, b.address, &b.user)?;
        check_box_tail(&header, kind, b.tail.as_ref())?;
        if repeated && boxes.iter().take(i).any(|earlier| earlier.user == b.user) {
            return Err(set());
        }
        // Signed mail: the sender's box first and only there. Unsigned: none.
        if whole && (kind == RecipientKind::Sender) != (signed && i == 0) {
            return Err(set());
        }
        kinds.push(BoxRoute {
            kind,
            address: b.address.into(),
            user: b.user,
        });
    }
    if whole && signed != sender_record {
        return Err(set());
    }
    // A copy (§6.7): the sender record in the sender's own copy and in no other.
    if !whole
        && kinds
            .iter()
            .any(|b| (b.kind == RecipientKind::Sender) != sender_record)
    {
        return Err(set());
    }
    let server_access = kinds
        .iter()
        .filter(|b| b.kind == RecipientKind::ServerAccess)
        .count();
    if server_access > 1 {
        return Err(set());
    }

    let parties = header.to.iter().chain(&header.cc);
    let external: Vec<String> = parties
        .clone()
        .filter(|p| p.user.is_none())
        .map(|p| p.address.clone())
        .collect();
    let held_for: Vec<HeldRecipient> = parties
        .filter_map(|p| {
            p.user.map(|user| HeldRecipient {
                address: p.address.clone(),
                user,
            })
        })
        .filter(|h| {
            Some(h.user) != header.sender.user && users.binary_search(&h.user.sort_key()).is_err()
        })
        .collect();
    if whole && signed {
        // Every named user has a box unless the server was given access to hold the mail;
        // external addresses need server access or a link box. (Server-sealed mail names
        // To and CC as received, and boxes only the local users it delivers to.)
        if !held_for.is_empty() && server_access == 0 {
            return Err(set());
        }
        if !external.is_empty() && server_access == 0 && !link_box {
            return Err(set());
        }
    }
    if whole && boxes.is_empty() {
        return Err(set());
    }
    Ok(RoutingInfo {
        header,
        suite,
        boxes: kinds,
        link_box,
        held_for,
        external,
    })
}

/// Splits an envelope into one copy per box; needs no key (SPEC.md §6.7).
///
/// Validates first, as [`validate_envelope`] does minus the piece lengths. Each copy holds
/// the header, the manifest, the BCC commitment and only that recipient's box; the sender's
/// own copy also holds the sender record. Memory: the copies, about
/// `number of boxes × (header + manifest + one box)`.
///
/// ```
/// # use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([8; 32]);
/// # let suite = mailseal::Suite::X25519;
/// # let mut user = |n: u8, address: &str| -> Result<(PukSecret, DeviceSecret, ChainState), mailseal::Error> {
/// #     let puk = PukSecret::generate(suite, UserId::new([n; 16]), 1, &mut rng)?;
/// #     let device = DeviceSecret::generate(suite, DeviceId::new([n; 16]), &mut rng);
/// #     let chain = ChainState::verify(&[identity::root(suite, UserId::new([n; 16]), &device, puk.public(), &[address], 1)?])?;
/// #     Ok((puk, device, chain))
/// # };
/// # let (alice_puk, laptop, alice) = user(1, "alice@example.com")?;
/// # let (_, _, bob) = user(2, "bob@example.com")?;
/// # let (_, _, carol) = user(3, "carol@example.com")?;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
/// # let sender = SenderIdentity { address: "alice@example.com", puk: &alice_puk, device: &laptop, chain: &alice };
/// # let mut mail = MailSealer::new(suite, sender, "<m@example.com>", 1)?
/// #     .to(RecipientKey::from_chain("bob@example.com", &bob)?)
/// #     .bcc(RecipientKey::from_chain("carol@example.com", &carol)?);
/// # let body = mail.add_piece(b"Hello", &mut rng)?;
/// # let envelope = mail.seal(&mut rng)?;
/// use mailseal::mail::envelope::RecipientKind;
/// use mailseal::mail::server::split_envelope;
/// let copies = split_envelope(&envelope)?;
/// // One copy per user, each to deliver to its mailbox; the pieces are stored once for all.
/// let kinds: Vec<RecipientKind> = copies.iter().map(|c| c.kind).collect();
/// assert_eq!(kinds, [RecipientKind::Sender, RecipientKind::To, RecipientKind::Bcc]);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn split_envelope(envelope: &[u8]) -> Result<Vec<RecipientCopy>, Error> {
    let env = EnvelopeView::parse(envelope)?;
    let info = check_envelope(&env, None)?;
    // Each copy is spliced from the envelope's items as received, not re-encoded.
    let copies = env
        .boxes
        .iter()
        .zip(info.boxes)
        .map(|(b, route)| RecipientCopy {
            copy: env.copy_bytes(b, route.kind == RecipientKind::Sender),
            address: route.address,
            user: route.user,
            kind: route.kind,
        })
        .collect();
    Ok(copies)
}

/// The copy the server serves to the reader of access-restricted mail, if the envelope has a
/// link box (SPEC.md §10.3).
pub fn link_copy(envelope: &[u8]) -> Result<Option<Vec<u8>>, Error> {
    Ok(EnvelopeView::parse(envelope)?.link_copy_bytes())
}

/// Mail the server received in plaintext, to seal on arrival (SPEC.md §10.2).
#[derive(Clone, Debug)]
pub struct InboundMail<'p> {
    /// Why the server is sealing it; never [`Origin::SenderDevice`].
    pub origin: Origin,
    /// The sender's address as received.
    pub sender_address: String,
    /// The sender's user id, if the sender has an account here (mailing list or held mail).
    pub sender_user: Option<UserId>,
    /// The message id.
    pub message_id: String,
    /// The time the server received it (the caller's clock).
    pub timestamp: u64,
    /// To as received: local users with their id, others with `None`.
    pub to: Vec<Party>,
    /// CC as received.
    pub cc: Vec<Party>,
    /// The local users to seal to, with their current PUK. Users named in `to` or `cc` get a
    /// box of that kind; the others (list members, BCC) a BCC box.
    pub recipients: Vec<RecipientKey>,
    /// The pieces: the MIME body, then each attachment.
    pub pieces: Vec<&'p [u8]>,
}

/// Seals mail the server received in plaintext to each local recipient's PUK (SPEC.md §10.2):
/// unsigned boxes, manifest flag "not E2E", no sender record. Returns the envelope and the
/// piece ciphertexts; the caller discards the plaintext.
///
/// Refused before any piece is sealed or any key drawn: no recipient
/// ([`Misuse::NoRecipients`]), a local user named in To or CC who gets no box
/// ([`Misuse::NamedUserWithoutBox`], except for held mail, whose other recipients received
/// the original), a recipient listed twice, and every limit of SPEC.md §4.2.
///
/// Memory: the piece ciphertexts plus the envelope.
///
/// ```
/// use mailseal::identity::{self, ChainState};
/// use mailseal::mail::envelope::{Origin, Party};
/// use mailseal::mail::footer::{classify, Footer};
/// use mailseal::mail::open::{open_copy, Mailbox};
/// use mailseal::mail::seal::RecipientKey;
/// use mailseal::mail::server::{seal_inbound, split_envelope, InboundMail};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([10; 32]);
/// # let suite = mailseal::Suite::X25519;
/// # let bob = UserId::new([2; 16]);
/// # let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
/// # let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
/// # let bob_chain = ChainState::verify(&[identity::root(suite, bob, &phone, bob_puk.public(), &["bob@example.com"], 1)?])?;
/// // Mail from another service to Bob arrives in plaintext: seal it at once, drop the text.
/// let inbound = InboundMail {
///     origin: Origin::InboundExternal,
///     sender_address: "dan@elsewhere.example".into(),
///     sender_user: None,
///     message_id: "<x1@elsewhere.example>".into(),
///     timestamp: 1_764_374_400,
///     to: vec![Party { address: "bob@example.com".into(), user: Some(bob) }],
///     cc: vec![],
///     recipients: vec![RecipientKey::from_chain("bob@example.com", &bob_chain)?],
///     pieces: vec![b"Subject: hello\r\n\r\nHi Bob"],
/// };
/// let sealed = seal_inbound(suite, &inbound, &mut rng)?;
/// let copy = &split_envelope(&sealed.envelope)?[0].copy;
/// let opened = open_copy(copy, &Mailbox::new(&bob_chain, [&bob_puk]), &[&bob_chain])?;
/// assert_eq!(opened.open_piece(0, &sealed.pieces[0])?, b"Subject: hello\r\n\r\nHi Bob");
/// assert_eq!(classify(&opened, true).footer, Footer::ServerEncrypted);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn seal_inbound(
    suite: Suite,
    mail: &InboundMail<'_>,
    rng: &mut impl CryptoRng,
) -> Result<SealedMail, Error> {
    if mail.origin == Origin::SenderDevice {
        return Err(Misuse::ServerCannotSign.into());
    }
    if mail.recipients.is_empty() {
        return Err(Misuse::NoRecipients.into());
    }
    if mail.recipients.len() > MAX_RECIPIENTS {
        return Err(Limit::Recipients.into());
    }
    if mail.pieces.is_empty() {
        return Err(Misuse::NoPieces.into());
    }
    if mail.pieces.len() > MAX_PIECES {
        return Err(Limit::Pieces.into());
    }
    // The header, complete but for nothing: piece sizes follow from the plaintext lengths.
    let piece_sizes = mail
        .pieces
        .iter()
        .map(|p| piece::ciphertext_len(p.len() as u64).ok_or(Limit::PieceSize))
        .collect::<Result<Vec<u64>, _>>()?;
    // Digests are known once the pieces are sealed; every check comes first, with
    // placeholders of the right number (no randomness is drawn for a refused mail).
    let mut header = RoutingHeader {
        sender: SenderParty {
            address: mail.sender_address.clone(),
            chain: None,
            device: None,
            user: mail.sender_user,
        },
        origin: mail.origin,
        piece_digests: alloc::vec![PieceDigest([0; 32]); piece_sizes.len()],
        piece_sizes,
        suite,
        timestamp: mail.timestamp,
        version: FormatVersion::V1,
        expiry: None,
        cc: mail.cc.clone(),
        message_id: mail.message_id.clone(),
        to: mail.to.clone(),
    };
    header.validate()?;
    // §4.2: a header past its limit is refused before anything is drawn (every reader would
    // refuse the envelope). Digests have a fixed size, so the placeholders measure true.
    if header.encode().len() > MAX_HEADER_LEN {
        return Err(Limit::HeaderSize.into());
    }
    let recipients = inbound_recipients(suite, mail)?;

    let mut ciphertexts = Vec::with_capacity(mail.pieces.len());
    let mut finished = Vec::with_capacity(mail.pieces.len());
    for p in &mail.pieces {
        let (ct, f) = seal_piece(suite, p, rng)?;
        ciphertexts.push(ct);
        finished.push(f);
    }
    let records = manifest_entries(finished);
    header.piece_digests = records.digests;
    let (envelope, _) = build::build(
        Parts {
            suite,
            header,
            signer: None,
            sender_puk: None,
            recipients,
            pieces: records.entries,
            e2e: false,
            bcc_text: String::new(),
            link: None,
            trace: None,
        },
        rng,
    )?;
    Ok(SealedMail {
        envelope,
        pieces: ciphertexts,
    })
}

/// SPEC.md §10.2: each local recipient once, of the mail's suite, with the kind the header
/// gives it (To, CC, else BCC); every local user the header names gets a box, except in held
/// mail (origin 4).
fn inbound_recipients(
    suite: Suite,
    mail: &InboundMail<'_>,
) -> Result<Vec<(RecipientKind, RecipientKey)>, Error> {
    let mut boxed = BTreeSet::new();
    let mut recipients = Vec::with_capacity(mail.recipients.len());
    for r in &mail.recipients {
        if r.puk.mail_key.suite() != suite {
            return Err(Misuse::SuiteMismatch.into());
        }
        // §6.7: no box of kinds 1–3 for the header's sender user (a list's poster who is also
        // a member gets none), and each user once.
        if Some(r.puk.user) == mail.sender_user || !boxed.insert(r.puk.user) {
            return Err(Malformed::Field(Field::RecipientSet).into());
        }
        recipients.push((r.puk.user, r));
    }
    // The header's users (each named once, §6.1), with their kind and address.
    let named: BTreeMap<UserId, (RecipientKind, &str)> = mail
        .cc
        .iter()
        .map(|p| (p, RecipientKind::Cc))
        .chain(mail.to.iter().map(|p| (p, RecipientKind::To)))
        .filter_map(|(p, kind)| p.user.map(|u| (u, (kind, p.address.as_str()))))
        .collect();
    // §6.7: a To or CC box carries the header party's address byte for byte.
    let mismatched = recipients
        .iter()
        .any(|(user, r)| named.get(user).is_some_and(|(_, a)| r.address != *a));
    if mismatched {
        return Err(Malformed::Field(Field::RecipientSet).into());
    }
    if mail.origin != Origin::HeldForNewUser && named.keys().any(|u| !boxed.contains(u)) {
        return Err(Misuse::NamedUserWithoutBox.into());
    }
    Ok(recipients
        .into_iter()
        .map(|(user, r)| {
            let kind = named.get(&user).map_or(RecipientKind::Bcc, |(k, _)| *k);
            (kind, r.clone())
        })
        .collect())
}

/// Re-seals mail the server held for a user who had no key yet, once their first PUK exists
/// (SPEC.md §10.2): `held` is the mail as the server opened it through its own box,
/// `ciphertexts` its pieces. The result is unsigned server-sealed mail of origin
/// [`Origin::HeldForNewUser`] (its footer says Server Encrypted).
pub fn reseal_held(
    held: &OpenedMail,
    ciphertexts: &[&[u8]],
    recipient: RecipientKey,
    rng: &mut impl CryptoRng,
) -> Result<SealedMail, Error> {
    let plaintexts = ciphertexts
        .iter()
        .enumerate()
        .map(|(i, ct)| held.open_piece(i, ct))
        .collect::<Result<Vec<_>, Error>>()?;
    let h = held.header();
    let inbound = InboundMail {
        origin: Origin::HeldForNewUser,
        sender_address: h.sender.address.clone(),
        sender_user: h.sender.user,
        message_id: h.message_id.clone(),
        timestamp: h.timestamp,
        to: h.to.clone(),
        cc: h.cc.clone(),
        recipients: alloc::vec![recipient],
        pieces: plaintexts.iter().map(Vec::as_slice).collect(),
    };
    seal_inbound(held.suite(), &inbound, rng)
}
