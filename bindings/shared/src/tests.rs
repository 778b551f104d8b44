//! The shared state machines on their own; the bindings' suites test them again from
//! JavaScript, Python and Kotlin.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::rc::Rc;

use mailseal::Suite;
use mailseal::identity::{self, ChainState};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
use mailseal::mail::footer::MailContext;
use mailseal::mail::seal::RecipientKey;
use mailseal::mail::server::split_envelope;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::footer::{self, Planner};
use crate::open::{Mailbox, PieceDecryptor};
use crate::seal::{Mail, PieceSealer, Sender};
use crate::{Error, SingleThread};

struct User {
    address: &'static str,
    puk: Rc<PukSecret>,
    device: Rc<DeviceSecret>,
    chain: Rc<ChainState>,
}

fn user(rng: &mut ChaCha20Rng, n: u8, address: &'static str) -> User {
    let suite = Suite::X25519;
    let id = UserId::new([n; 16]);
    let device = DeviceSecret::generate(suite, DeviceId::new([n; 16]), rng);
    let puk = PukSecret::generate(suite, id, 1, rng).unwrap();
    let root = identity::root(suite, id, &device, puk.public(), &[address], 1).unwrap();
    let chain = ChainState::verify(&[root]).unwrap();
    User {
        address,
        puk: Rc::new(puk),
        device: Rc::new(device),
        chain: Rc::new(chain),
    }
}

fn sender(u: &User) -> Sender<SingleThread> {
    Sender::new(
        u.address.into(),
        u.puk.clone(),
        u.device.clone(),
        u.chain.clone(),
    )
}

fn state(r: Result<impl Sized, Error>) -> &'static str {
    match r {
        Err(Error::InvalidState(m)) => m,
        Err(e) => panic!("not a state error: {e:?}"),
        Ok(_) => panic!("no error"),
    }
}

#[test]
fn a_piece_is_pushed_finished_and_attached_once() {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let alice = user(&mut rng, 1, "alice@example.com");
    let from = sender(&alice);
    let mut mail = Mail::new(&from, "<id@example.com>".into(), 2).unwrap();
    let mut piece: PieceSealer = mail.begin_piece(&from, &mut rng).unwrap();
    assert_eq!(
        state(piece.finished()),
        "the piece is not finished (or already attached)"
    );
    piece.push(b"hello").unwrap();
    assert_eq!(
        state(mail.attach(&mut piece)),
        "attach a piece after finish(), and only once"
    );
    piece.finish().unwrap();
    // A second finish is refused and leaves the finished piece as it was.
    assert_eq!(state(piece.finish()), "this piece is already finished");
    assert_eq!(state(piece.push(b"more")), "this piece is finished");
    assert!(piece.finished().is_ok());
    mail.attach(&mut piece).unwrap();
    assert_eq!(
        state(mail.attach(&mut piece)),
        "attach a piece after finish(), and only once"
    );
    assert!(piece.finished().is_err());
}

#[test]
fn sealed_to_bob_and_opened_by_his_mailbox() {
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let alice = user(&mut rng, 1, "alice@example.com");
    let bob = user(&mut rng, 2, "bob@example.com");
    let from = sender(&alice);
    let mut mail = Mail::new(&from, "<id@example.com>".into(), 2).unwrap();
    mail.to
        .push(RecipientKey::from_chain(bob.address, &bob.chain).unwrap());
    let mut piece = mail.begin_piece(&from, &mut rng).unwrap();
    let mut ciphertext = piece.push(b"Subject: hi\r\n\r\nHello Bob").unwrap();
    ciphertext.extend(piece.finish().unwrap());
    mail.attach(&mut piece).unwrap();
    let envelope = mail
        .sealer_with_pieces(&from)
        .unwrap()
        .seal(&mut rng)
        .unwrap();

    let copy = split_envelope(&envelope)
        .unwrap()
        .into_iter()
        .find(|c| c.user == bob.chain.user())
        .unwrap();
    let senders = [&*alice.chain];
    let mailbox = Mailbox::<SingleThread>::new(bob.chain.clone(), vec![bob.puk.clone()]);
    let opened = mailbox
        .without_key_transparency()
        .open(&copy.copy, &senders)
        .unwrap();
    let mut d = PieceDecryptor::checked(opened.piece_decryptor(0).unwrap());
    let mut plaintext = d.push(&ciphertext).unwrap();
    plaintext.extend(d.finish().unwrap());
    assert_eq!(plaintext, b"Subject: hi\r\n\r\nHello Bob");
    assert_eq!(state(d.finish()), "this decryptor is finished");
}

#[test]
fn a_sender_without_a_key_is_refused_and_the_plan_cannot_be_applied() {
    let planner = Planner::<SingleThread>::new(None, &"ab".repeat(16)).unwrap();
    let plan = planner.plan(MailContext::Personal);
    assert_eq!(footer::decision_code(&plan), "refuse");
    assert!(!footer::reasons(&plan, |r| r.code).is_empty());
    assert!(footer::notes(&plan).is_empty() && footer::keys(&plan).is_empty());
    let e = crate::seal::applicable(&plan).unwrap_err();
    assert_eq!(e.class(), "misuse/plan_refused");
}
