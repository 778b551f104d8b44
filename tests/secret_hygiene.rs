//! No heap block that held a secret goes back to the allocator unwiped.
//!
//! A global allocator that, while armed, scans every block being freed (and every block a
//! `realloc` moves away from) for the first 16 bytes of each secret it was told about. The
//! crate forbids `unsafe`; this test harness needs it to wrap the system allocator.
//! Stack copies are out of its reach; heap copies — re-encodings, grown buffers, boxed keys —
//! are exactly what it catches.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use mailseal::Suite;
use mailseal::hazmat::{TestUser, XofRng};
use mailseal::keys::{DeviceId, DeviceSecret, UserId};
use mailseal::mail::open::{Mailbox, open_copy};
use mailseal::mail::seal::{MailSealer, SenderIdentity};
use mailseal::mail::server::split_envelope;
use rand_core::Rng;

const NEEDLE_LEN: usize = 16;
const MAX_NEEDLES: usize = 16;

static ARMED: AtomicBool = AtomicBool::new(false);
static NEEDLE_COUNT: AtomicUsize = AtomicUsize::new(0);
static NEEDLES: [AtomicU8; NEEDLE_LEN * MAX_NEEDLES] =
    [const { AtomicU8::new(0) }; NEEDLE_LEN * MAX_NEEDLES];
/// Bit `i` set: needle `i` was found in a freed block.
static FOUND: AtomicUsize = AtomicUsize::new(0);

struct Scanner;

fn scan(block: &[u8]) {
    let count = NEEDLE_COUNT.load(Ordering::Relaxed);
    for n in 0..count {
        let first = NEEDLES[n * NEEDLE_LEN].load(Ordering::Relaxed);
        let hit = block.windows(NEEDLE_LEN).any(|w| {
            w[0] == first
                && w.iter()
                    .enumerate()
                    .all(|(i, b)| *b == NEEDLES[n * NEEDLE_LEN + i].load(Ordering::Relaxed))
        });
        if hit {
            FOUND.fetch_or(1 << n, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call forwards to `System` with the caller's arguments; `scan` only reads a
// block that is still allocated (before it is freed or moved).
unsafe impl GlobalAlloc for Scanner {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) {
            scan(unsafe { std::slice::from_raw_parts(ptr, layout.size()) });
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc may move the block and free the old one without wiping it; treat it as a
        // free of the old contents.
        if ARMED.load(Ordering::Relaxed) {
            scan(unsafe { std::slice::from_raw_parts(ptr, layout.size()) });
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Scanner = Scanner;

fn arm(needles: &[(&str, [u8; 32])]) {
    assert!(needles.len() <= MAX_NEEDLES);
    for (n, (_, secret)) in needles.iter().enumerate() {
        for (i, b) in secret[..NEEDLE_LEN].iter().enumerate() {
            NEEDLES[n * NEEDLE_LEN + i].store(*b, Ordering::Relaxed);
        }
    }
    NEEDLE_COUNT.store(needles.len(), Ordering::Relaxed);
    FOUND.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::SeqCst);
}

fn disarm(needles: &[(&str, [u8; 32])]) -> Vec<String> {
    ARMED.store(false, Ordering::SeqCst);
    let found = FOUND.load(Ordering::Relaxed);
    needles
        .iter()
        .enumerate()
        .filter(|(n, _)| found & (1 << n) != 0)
        .map(|(_, (name, _))| (*name).to_string())
        .collect()
}

/// The first 32 bytes `XofRng::new(seed)` will produce: the key a sealer draws first.
fn first_draw(seed: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 32];
    XofRng::new(seed).fill_bytes(&mut k);
    k
}

/// Seals a mail with a known piece key and message key, splits it, opens the recipient's and
/// the sender's copies and a piece, drops everything: returns the secrets found in freed
/// heap blocks.
fn leaked_secrets(suite: Suite) -> Vec<String> {
    let mut setup = XofRng::new(b"hygiene setup");
    let (alice, bob) = (UserId::new([1; 16]), UserId::new([2; 16]));
    let alice_seed = first_draw(b"alice puk");
    let bob_seed = first_draw(b"bob puk");
    let device_seed = first_draw(b"alice device");
    let alice_user = TestUser::from_seeds(
        suite,
        alice,
        "alice@example.com",
        alice_seed,
        DeviceId::new([3; 16]),
        &device_seed,
        1,
    )
    .unwrap();
    let bob_user = TestUser::from_seeds(
        suite,
        bob,
        "bob@example.com",
        bob_seed,
        DeviceId::new([4; 16]),
        &first_draw(b"bob device"),
        1,
    )
    .unwrap();
    let (alice_puk, bob_puk, laptop) = (&alice_user.puk, &bob_user.puk, &alice_user.device);
    let chains = [&alice_user.chain, &bob_user.chain];
    let bob_key = bob_user.key();
    let _ = setup.next_u32();

    let needles = [
        ("piece key 0", first_draw(b"piece0")),
        ("piece key 1", first_draw(b"piece1")),
        ("piece key 2", first_draw(b"piece2")),
        ("piece key 3", first_draw(b"piece3")),
        ("piece key 4", first_draw(b"piece4")),
        ("message key", first_draw(b"seal")),
        ("alice puk seed", alice_seed),
        ("bob puk seed", bob_seed),
        ("device seed", device_seed),
        (
            "alice symmetric key",
            *alice_puk.symmetric_key().expose_secret(),
        ),
    ];
    arm(&needles);
    {
        let sender = SenderIdentity {
            address: "alice@example.com",
            puk: alice_puk,
            device: laptop,
            chain: &alice_user.chain,
        };
        let mut mail = MailSealer::new(suite, sender, "<h@example.com>", 1)
            .unwrap()
            .to(bob_key)
            .bcc_text("carol@example.com");
        // Five pieces, so that every buffer that holds piece keys has to grow.
        let pieces: Vec<Vec<u8>> = (0..5u8)
            .map(|i| {
                let seed = [b'p', b'i', b'e', b'c', b'e', b'0' + i];
                mail.add_piece(b"a secret body", &mut XofRng::new(&seed))
                    .unwrap()
            })
            .collect();
        let envelope = mail.seal(&mut XofRng::new(b"seal")).unwrap();
        let copies = split_envelope(&envelope).unwrap();
        for c in &copies {
            let (chain, puk) = if c.user == bob {
                (&bob_user.chain, bob_puk)
            } else {
                (&alice_user.chain, alice_puk)
            };
            let opened = open_copy(
                &c.copy,
                &Mailbox::new(chain, std::slice::from_ref(puk)).without_key_transparency(),
                &chains,
            )
            .unwrap();
            for (i, piece) in pieces.iter().enumerate() {
                assert_eq!(opened.open_piece(i, piece).unwrap(), b"a secret body");
            }
        }
    }
    disarm(&needles)
}

/// Seed wraps (single and batch), escrow wraps, user data, recovery codes and an
/// access-restricted mail, each made and opened: returns the secrets found in freed blocks.
fn leaked_by_account_operations(suite: Suite) -> Vec<String> {
    use mailseal::account::backup::{RecoveryCode, backup_device};
    use mailseal::account::devices::{open_seed_wrap, open_seed_wraps, wrap_seed, wrap_seeds};
    use mailseal::account::escrow::{
        AccountDomain, EscrowContext, open_escrow_wrap, wrap_escrow_device,
    };
    use mailseal::account::userdata::{UserDataBinding, open_user_data, seal_user_data};
    use mailseal::mail::link::open_link_copy;

    let user = UserId::new([1; 16]);
    let ea = UserId::new([0xea; 16]);
    let puk_seed = first_draw(b"account puk");
    let ea_seed = first_draw(b"ea puk");
    let d1_seed = first_draw(b"device 1");
    let d2_seed = first_draw(b"device 2");
    let escrow_seed = first_draw(b"escrow device");
    let entropy = first_draw(b"recovery");
    let member = TestUser::from_seeds(
        suite,
        user,
        "m@example.com",
        puk_seed,
        DeviceId::new([1; 16]),
        &d1_seed,
        1,
    )
    .unwrap();
    let admins = TestUser::from_seeds(
        suite,
        ea,
        "admins@example.com",
        ea_seed,
        DeviceId::new([0xa1; 16]),
        &first_draw(b"admin device"),
        1,
    )
    .unwrap();
    let (puk, ea_puk, d1) = (&member.puk, &admins.puk, &member.device);
    let d2 = DeviceSecret::from_seed(suite, DeviceId::new([2; 16]), &d2_seed);
    let escrow = DeviceSecret::from_seed(suite, DeviceId::new([0xee; 16]), &escrow_seed);
    // The member's chain: the second device, then the escrow device.
    let ctx = EscrowContext {
        account: mailseal::wire::Fixed([3; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: user,
        member_address: "m@example.com",
        ea_chain: &admins.chain,
    };
    let mut draft = member
        .chain
        .propose_add_device(d1.id(), d2.public(), None, 2)
        .unwrap();
    draft.sign(d1).unwrap();
    draft.sign(&d2).unwrap();
    let chain = member.chain.extend(&[draft.finish().unwrap()]).unwrap();
    let terms = mailseal::account::escrow::enrollment_terms(&ctx, admins.device.public()).unwrap();
    let mut draft = chain
        .propose_escrow_device(d1.id(), escrow.public(), terms, None, 3)
        .unwrap();
    for d in [d1, &escrow, &admins.device] {
        draft.sign(d).unwrap();
    }
    let chain = chain.extend(&[draft.finish().unwrap()]).unwrap();
    let needles = [
        ("puk seed", puk_seed),
        ("ea puk seed", ea_seed),
        ("device 1 seed", d1_seed),
        ("device 2 seed", d2_seed),
        ("escrow device seed", escrow_seed),
        ("symmetric key", *puk.symmetric_key().expose_secret()),
        ("link key", first_draw(b"link")),
        ("recovery entropy", entropy),
    ];
    arm(&needles);
    {
        let mut rng = XofRng::new(b"account rng");
        let wrap = wrap_seed(puk, user, d2.public(), d1, &mut rng).unwrap();
        let opened = open_seed_wrap(&wrap, &d2, &chain, None).unwrap();
        assert_eq!(opened.puk.public(), puk.public());
        let batch = wrap_seeds(std::slice::from_ref(puk), user, d2.public(), d1, &mut rng).unwrap();
        assert_eq!(open_seed_wraps(&batch, &d2, &chain, None).unwrap().len(), 1);

        let ew = wrap_escrow_device(&ctx, &escrow, d1, &mut rng).unwrap();
        let unwrapped = open_escrow_wrap(&ew, std::slice::from_ref(ea_puk), &chain).unwrap();
        assert_eq!(unwrapped.public(), escrow.public());

        let binding = UserDataBinding {
            data_type: "label",
            message_id: Some("<m@example.com>"),
            version: Some(1),
        };
        let blob = seal_user_data(puk, &binding, b"Projects", &mut rng).unwrap();
        let opened =
            open_user_data(&blob, &user, std::slice::from_ref(puk), &binding, None).unwrap();
        assert_eq!(opened, b"Projects");

        let code = RecoveryCode::generate(&mut XofRng::new(b"recovery"));
        let typed = RecoveryCode::parse(&code.expose_text().to_lowercase()).unwrap();
        let backup = backup_device(suite, &typed, DeviceId::new([0xbb; 16]));
        assert_eq!(
            backup.public(),
            backup_device(suite, &code, backup.id()).public()
        );

        let sender = SenderIdentity {
            address: "m@example.com",
            puk,
            device: d1,
            chain: &chain,
        };
        let mut mail = MailSealer::new(suite, sender, "<l@example.com>", 1)
            .unwrap()
            .external(
                mailseal::mail::envelope::RecipientKind::To,
                "x@elsewhere.example",
            )
            .access_restricted(10);
        let body = mail.add_piece(b"linked", &mut rng).unwrap();
        let mut link_rng = LinkKeyFirst(XofRng::new(b"link"), XofRng::new(b"after link"), false);
        let (envelope, fragment) = mail.seal_restricted(&mut link_rng).unwrap();
        let copy = mailseal::mail::server::link_copy(&envelope)
            .unwrap()
            .unwrap();
        let opened = open_link_copy(&copy, fragment.expose_text(), 5).unwrap();
        assert_eq!(opened.open_piece(0, &body).unwrap(), b"linked");
    }
    disarm(&needles)
}

/// Gives the first 32 bytes (the link key, the first draw of `seal_restricted`) from one
/// stream, everything after from another.
struct LinkKeyFirst(XofRng, XofRng, bool);

impl rand_core::TryRng for LinkKeyFirst {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.1.try_next_u32()
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.1.try_next_u64()
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if self.2 {
            self.1.try_fill_bytes(dst)
        } else {
            self.2 = true;
            self.0.try_fill_bytes(dst)
        }
    }
}
impl rand_core::TryCryptoRng for LinkKeyFirst {}

#[test]
fn no_freed_heap_block_holds_a_secret() {
    // One test: the scanner is global, so the scenarios run one after the other.
    for suite in Suite::ALL {
        let leaked = leaked_secrets(suite);
        assert!(
            leaked.is_empty(),
            "{suite:?} mail: freed unwiped: {leaked:?}"
        );
        let leaked = leaked_by_account_operations(suite);
        assert!(
            leaked.is_empty(),
            "{suite:?} account: freed unwiped: {leaked:?}"
        );
    }
}
