//! Refusing early: mail with nobody to deliver to, local users named without a box, and every
//! limit checked before any key is drawn or any public-key operation runs. "Before any work"
//! is shown without timing: the RNG the call is given must not be touched.

use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha20Rng;
use rand_core::{SeedableRng, TryCryptoRng, TryRng};

use crate::error::{Error, Limit, Misuse};
use crate::identity::{self, ChainState, ChainTail};
use crate::keys::{DeviceId, DeviceSecret, PukPublic, PukSecret, UserId};
use crate::mail::envelope::{MAX_PIECES, MAX_RECIPIENTS, Origin, Party};
use crate::mail::seal::{MailSealer, Message, RecipientKey, SenderIdentity, seal_mail};
use crate::mail::server::{InboundMail, seal_inbound};
use crate::suite::Suite;

const SUITE: Suite = Suite::X25519;

/// An RNG that counts the bytes drawn from it.
struct CountingRng {
    inner: ChaCha20Rng,
    drawn: usize,
}

impl CountingRng {
    fn new() -> Self {
        CountingRng {
            inner: ChaCha20Rng::from_seed([42; 32]),
            drawn: 0,
        }
    }
}

impl TryRng for CountingRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.drawn += 4;
        self.inner.try_next_u32()
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.drawn += 8;
        self.inner.try_next_u64()
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.drawn += dst.len();
        self.inner.try_fill_bytes(dst)
    }
}
impl TryCryptoRng for CountingRng {}

struct Sender {
    puk: PukSecret,
    device: DeviceSecret,
    chain: ChainState,
}

fn sender() -> Sender {
    let mut r = ChaCha20Rng::from_seed([1; 32]);
    let user = UserId::new([1; 16]);
    let puk = PukSecret::generate(SUITE, user, 1, &mut r).unwrap();
    let device = DeviceSecret::generate(SUITE, DeviceId::new([2; 16]), &mut r);
    let root = identity::root(
        SUITE,
        user,
        &device,
        puk.public(),
        &["alice@example.com"],
        1,
    )
    .unwrap();
    Sender {
        puk,
        device,
        chain: ChainState::verify(&[root]).unwrap(),
    }
}

impl Sender {
    fn identity(&self) -> SenderIdentity<'_> {
        SenderIdentity {
            address: "alice@example.com",
            puk: &self.puk,
            device: &self.device,
            chain: &self.chain,
        }
    }
}

/// `n` distinct recipient users sharing one (valid) key: enough to exercise limits cheaply.
fn many_recipients(n: usize) -> Vec<RecipientKey> {
    let mut r = ChaCha20Rng::from_seed([3; 32]);
    let key = PukSecret::generate(SUITE, UserId::new([0; 16]), 1, &mut r)
        .unwrap()
        .public()
        .mail_key
        .clone();
    (0..n)
        .map(|i| {
            let mut id = [0xee; 16];
            id[..8].copy_from_slice(&(i as u64).to_be_bytes());
            // (A real key needs each member's chain; the limits look at counts only.)
            RecipientKey {
                address: alloc::format!("member{i}@example.com"),
                puk: PukPublic {
                    user: UserId::new(id),
                    generation: 1,
                    mail_key: key.clone(),
                },
                tail: Some(ChainTail {
                    seq: 1,
                    hash: [0; 32],
                }),
            }
        })
        .collect()
}

#[test]
fn a_mail_to_nobody_is_refused_and_a_draft_needs_the_draft_entry_point() {
    let s = sender();
    let mut rng = CountingRng::new();
    let mut mail = MailSealer::new(SUITE, s.identity(), "<m@example.com>", 1).unwrap();
    mail.add_piece(b"body", &mut rng).unwrap();
    let drawn = rng.drawn;
    assert_eq!(mail.seal(&mut rng).err(), Some(Misuse::NoRecipients.into()));
    assert_eq!(rng.drawn, drawn, "refused before drawing anything");

    let one_shot = Message {
        message_id: "<m@example.com>".into(),
        pieces: vec![b"body"],
        ..Message::default()
    };
    let mut rng = CountingRng::new();
    assert_eq!(
        seal_mail(SUITE, s.identity(), &one_shot, &mut rng).err(),
        Some(Misuse::NoRecipients.into())
    );
    assert_eq!(rng.drawn, 0, "no piece sealed");

    // Drafts are sealed on purpose, and only without recipients.
    let mut draft = MailSealer::new(SUITE, s.identity(), "<d@example.com>", 1).unwrap();
    draft.add_piece(b"draft", &mut rng).unwrap();
    assert!(draft.seal_draft(&mut rng).is_ok());
    let mut not_a_draft = MailSealer::new(SUITE, s.identity(), "<d@example.com>", 1)
        .unwrap()
        .to(many_recipients(1).remove(0));
    not_a_draft.add_piece(b"draft", &mut rng).unwrap();
    assert_eq!(
        not_a_draft.seal_draft(&mut rng).err(),
        Some(Misuse::DraftWithRecipients.into())
    );
}

fn inbound<'p>(
    recipients: Vec<RecipientKey>,
    to: Vec<Party>,
    pieces: Vec<&'p [u8]>,
) -> InboundMail<'p> {
    InboundMail {
        origin: Origin::InboundExternal,
        sender_address: "someone@elsewhere.example".into(),
        sender_user: None,
        message_id: "<in@elsewhere.example>".into(),
        timestamp: 1,
        to,
        cc: Vec::new(),
        recipients,
        pieces,
    }
}

#[test]
fn server_sealing_to_nobody_or_past_a_named_user_is_refused_before_any_work() {
    let members = many_recipients(2);
    let named = |r: &RecipientKey| Party {
        address: r.address.clone(),
        user: Some(r.puk.user),
    };
    let mut rng = CountingRng::new();
    let nobody = inbound(Vec::new(), vec![named(&members[0])], vec![b"hi"]);
    assert_eq!(
        seal_inbound(SUITE, &nobody, &mut rng).err(),
        Some(Misuse::NoRecipients.into())
    );
    // To names members[1], a local user, but only members[0] gets a box.
    let skipped = inbound(
        vec![members[0].clone()],
        vec![named(&members[0]), named(&members[1])],
        vec![b"hi"],
    );
    assert_eq!(
        seal_inbound(SUITE, &skipped, &mut rng).err(),
        Some(Misuse::NamedUserWithoutBox.into())
    );
    assert_eq!(rng.drawn, 0, "refused before sealing any piece");
    // Held mail is re-sealed to the new user only: the others received the original.
    let mut held = skipped.clone();
    held.origin = Origin::HeldForNewUser;
    assert!(seal_inbound(SUITE, &held, &mut rng).is_ok());
    // External parties need no box.
    let external = Party {
        address: "x@elsewhere.example".into(),
        user: None,
    };
    let fine = inbound(
        vec![members[0].clone()],
        vec![named(&members[0]), external],
        vec![b"hi"],
    );
    assert!(seal_inbound(SUITE, &fine, &mut rng).is_ok());
}

#[test]
fn limits_refuse_ten_thousand_recipients_before_any_key_is_drawn() {
    let s = sender();
    let members = many_recipients(10_000);
    let big = [7u8; 100_000];

    // A client mail to 10,000 BCC users: refused before its attachment is sealed.
    let mut rng = CountingRng::new();
    let msg = Message {
        message_id: "<big@example.com>".into(),
        bcc: members.clone(),
        pieces: vec![b"body", &big],
        ..Message::default()
    };
    assert_eq!(
        seal_mail(SUITE, s.identity(), &msg, &mut rng).err(),
        Some(Limit::Recipients.into())
    );
    assert_eq!(rng.drawn, 0);

    // Built up step by step: refused at `seal`, before the message key is drawn.
    let mut sealer = MailSealer::new(SUITE, s.identity(), "<big@example.com>", 1).unwrap();
    for m in &members {
        sealer = sealer.bcc(m.clone());
    }
    sealer.add_piece(b"body", &mut rng).unwrap();
    let drawn = rng.drawn;
    // A client can ask while the user types, and is told the same.
    assert_eq!(sealer.validate().err(), Some(Limit::Recipients.into()));
    assert_eq!(sealer.seal(&mut rng).err(), Some(Limit::Recipients.into()));
    assert_eq!(rng.drawn, drawn);

    // The same limit holds at exactly one past: 1024 slots, the sender's own included.
    let fits = Message {
        message_id: "<fits@example.com>".into(),
        bcc: members[..MAX_RECIPIENTS - 1].to_vec(),
        pieces: vec![b"body"],
        ..Message::default()
    };
    let over = Message {
        bcc: members[..MAX_RECIPIENTS].to_vec(),
        ..fits.clone()
    };
    assert_eq!(
        seal_mail(SUITE, s.identity(), &over, &mut rng).err(),
        Some(Limit::Recipients.into())
    );
    assert!(seal_mail(SUITE, s.identity(), &fits, &mut rng).is_ok());

    // The server fanning out to 10,000 list members: refused before sealing the pieces.
    let mut rng = CountingRng::new();
    let mut fan_out = inbound(members.clone(), Vec::new(), vec![b"body", &big]);
    fan_out.origin = Origin::MailingList;
    assert_eq!(
        seal_inbound(SUITE, &fan_out, &mut rng).err(),
        Some(Limit::Recipients.into())
    );
    assert_eq!(rng.drawn, 0);
    // At exactly the limit the server seals (server-sealed mail has no sender's box, so all
    // 1024 slots are recipients'); one more is refused.
    fan_out.recipients = members[..MAX_RECIPIENTS + 1].to_vec();
    fan_out.pieces = vec![b"body"];
    assert_eq!(
        seal_inbound(SUITE, &fan_out, &mut rng).err(),
        Some(Limit::Recipients.into())
    );
    fan_out.recipients.truncate(MAX_RECIPIENTS);
    assert!(seal_inbound(SUITE, &fan_out, &mut rng).is_ok());
}

#[test]
fn a_piece_past_the_limit_is_refused_before_it_is_sealed() {
    let s = sender();
    let mut rng = CountingRng::new();
    let mut sealer = MailSealer::new(SUITE, s.identity(), "<p@example.com>", 1).unwrap();
    for _ in 0..MAX_PIECES {
        sealer.add_piece(b"", &mut rng).unwrap();
    }
    let drawn = rng.drawn;
    assert_eq!(
        sealer.add_piece(&[0; 1000], &mut rng).err(),
        Some(Limit::Pieces.into())
    );
    assert_eq!(rng.drawn, drawn);

    let pieces: Vec<&[u8]> = vec![b"x"; MAX_PIECES + 1];
    let msg = Message {
        message_id: "<p@example.com>".into(),
        to: many_recipients(1),
        pieces: pieces.clone(),
        ..Message::default()
    };
    let mut rng = CountingRng::new();
    assert_eq!(
        seal_mail(SUITE, s.identity(), &msg, &mut rng).err(),
        Some(Limit::Pieces.into())
    );
    let mut fan_out = inbound(many_recipients(1), Vec::new(), pieces);
    assert_eq!(
        seal_inbound(SUITE, &fan_out, &mut rng).err(),
        Some(Limit::Pieces.into())
    );
    assert_eq!(rng.drawn, 0);
    fan_out.pieces.truncate(MAX_PIECES);
    assert!(seal_inbound(SUITE, &fan_out, &mut rng).is_ok());
}

#[test]
fn a_chain_past_the_device_limit_is_refused() {
    // Rotation wraps to the devices a verified chain lists, and a chain lists at most
    // MAX_DEVICES: the 1025th device is refused when its link is verified.
    let s = sender();
    let mut r = ChaCha20Rng::from_seed([5; 32]);
    let mut chain = s.chain.clone();
    let mut links = Vec::new();
    let limit = crate::account::devices::MAX_DEVICES;
    for i in 1..=limit {
        let mut id = [0xdd; 16];
        id[..4].copy_from_slice(&(i as u32).to_be_bytes());
        let d = DeviceSecret::generate(SUITE, DeviceId::new(id), &mut r);
        let mut draft = chain
            .propose_add_device(s.device.id(), d.public(), None, 2)
            .unwrap();
        draft.sign(&s.device).unwrap();
        draft.sign(&d).unwrap();
        let link = draft.finish().unwrap();
        if i < limit {
            chain = chain.extend(&[&link]).unwrap();
        }
        links.push(link);
    }
    assert_eq!(chain.devices().len(), limit);
    assert_eq!(
        chain.extend(&[links.last().unwrap()]).err(),
        Some(Error::from(Limit::Devices))
    );
}
