//! Chains in the vectors: every party of a mail, seed-wrap or escrow case carries its chain's
//! links, and the `chain` operation checks verification itself (SPEC.md §12): a lifecycle,
//! trust-on-first-use updates, security codes, and one negative case per refusal.

use mailseal::Suite;
use mailseal::error::Error;
use mailseal::hazmat::XofRng;
use mailseal::identity::{
    self, ChainState, DeviceRole, EscrowTerms, LinkDraft, RecoveryCosigner, pair_security_code,
};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, PukSeed, UserId};
use rand_core::Rng;
use serde_json::{Value, json};

use crate::cases::forge::{self, signing_key};
use crate::cases::notation::{self, bytes_of, bytes_value};
use crate::cases::{class, expect_error, need_suite};

/// A link body's CBOR map, as a forgery edits it.
type BodyMap = Vec<(ciborium::Value, ciborium::Value)>;
use crate::json::*;

/// The time every vector link states.
pub const LINK_TIME: u64 = 1_764_000_000;

/// A PUK generation below the one a vector names: drawn from the named seed, so the links
/// reproduce (their public keys are in the links themselves).
pub fn intermediate_puk(suite: Suite, user: UserId, seed: &[u8; 32], g: u32) -> PukSecret {
    let mut rng = XofRng::new(&[&seed[..], &g.to_be_bytes()].concat());
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    PukSecret::derive(suite, user, g, PukSeed::from_bytes(s)).expect("intermediate puk")
}

/// Signs `draft` with each device and finishes it.
pub fn signed(mut draft: LinkDraft, by: &[&DeviceSecret]) -> Vec<u8> {
    for d in by {
        draft.sign(d).expect("sign");
    }
    draft.finish().expect("finish")
}

/// The links of a chain whose root device is `device`, ending at `puk`'s generation: the root
/// with generation 1 (`puk` itself when it is generation 1), then one rotation per generation,
/// each signed by `device`; then `more` devices added by `device`.
pub fn build_chain(
    suite: Suite,
    address: &str,
    device: &DeviceSecret,
    puk: &PukSecret,
    more: &[&DeviceSecret],
) -> Vec<Vec<u8>> {
    let user = puk.public().user;
    let g = puk.generation();
    let seed = puk.seed().expose_secret();
    let at = |k: u32| {
        if k == g {
            PukSecret::derive(suite, user, k, PukSeed::from_bytes(*seed)).expect("puk")
        } else {
            intermediate_puk(suite, user, seed, k)
        }
    };
    let root =
        identity::root(suite, user, device, at(1).public(), &[address], LINK_TIME).expect("root");
    let mut links = vec![root];
    let mut chain = ChainState::verify(&links).expect("root verifies");
    let push = |link: Vec<u8>, chain: &mut ChainState, links: &mut Vec<Vec<u8>>| {
        *chain = chain.extend(&[&link]).expect("link verifies");
        links.push(link);
    };
    for k in 2..=g {
        let next = at(k);
        let draft = chain
            .propose_rotation(device.id(), next.public(), LINK_TIME)
            .expect("draft");
        push(signed(draft, &[device]), &mut chain, &mut links);
    }
    for d in more {
        let draft = chain
            .propose_add_device(device.id(), d.public(), None, LINK_TIME)
            .expect("draft");
        push(signed(draft, &[device, d]), &mut chain, &mut links);
    }
    links
}

/// Links as a JSON array of hex strings.
pub fn links_json(links: &[Vec<u8>]) -> Value {
    json!(links.iter().map(|l| hex(l)).collect::<Vec<_>>())
}

/// The links of field `key`.
pub fn links_of(v: &Value, key: &str) -> Result<Vec<Vec<u8>>, String> {
    list_of(v, key)?.iter().map(bytes_value).collect()
}

/// The chain of field `key`, verified from its root.
pub fn chain_of(v: &Value, key: &str) -> Result<ChainState, String> {
    ChainState::verify(&links_of(v, key)?).map_err(|e| class(&e))
}

// ---- The `chain` operation ------------------------------------------------------------------

fn role_name(r: DeviceRole) -> &'static str {
    match r {
        DeviceRole::Ordinary => "ordinary",
        DeviceRole::Backup => "backup",
        DeviceRole::Escrow => "escrow",
    }
}

/// What a verified chain reports (SPEC.md §12.4), as the vectors publish it.
fn state_json(c: &ChainState) -> Value {
    json!({
        "user": hex(c.user().as_bytes()),
        "tail": { "seq": c.tail().seq, "hash": hex(&c.tail().hash) },
        "link_hashes": (1..=c.tail().seq).map(|q| hex(&c.hash_at(q).unwrap_or_default())).collect::<Vec<_>>(),
        "devices": c.devices().iter().map(|d| json!({
            "id": hex(d.public.id.as_bytes()),
            "role": role_name(d.role),
            "added_at": d.added_at,
            "revoked_at": d.revoked_at,
        })).collect::<Vec<_>>(),
        "generations": (1..=c.current_puk().generation).map(|g| json!({
            "generation": g,
            "mail_key_fingerprint": hex(&c.puk(g).map(|p| p.mail_key.fingerprint()).unwrap_or_default()),
            "introduced_at": c.generation_introduced(g),
        })).collect::<Vec<_>>(),
        "addresses": c.addresses(),
        "escrow": c.escrow_history().iter().map(|e| json!({
            "escrow_device": hex(e.escrow_device.as_bytes()),
            "ea_group": hex(e.terms.ea_group.as_bytes()),
            "domain": e.terms.domain,
            "enabled_at": e.enabled_at,
            "disabled_at": e.disabled_at,
        })).collect::<Vec<_>>(),
        "rotation_due": c.rotation_due(),
        "security_code": c.security_code().to_string(),
    })
}

/// Re-encodes a link with its body edited by `edit` and signed by `signers` (seeds, in order).
fn forged_link(
    link: &[u8],
    edit: impl FnOnce(&mut BodyMap),
    signers: &[(&DeviceSecret, [u8; 32])],
) -> Vec<u8> {
    use ed25519_dalek::Signer;
    let v: ciborium::Value = ciborium::from_reader(link).expect("link");
    let body = match &v {
        ciborium::Value::Map(m) => m
            .iter()
            .find(|(k, _)| k.as_text() == Some("b"))
            .and_then(|(_, b)| b.as_bytes().cloned())
            .expect("body"),
        _ => panic!("link is not a map"),
    };
    let mut b: ciborium::Value = ciborium::from_reader(&body[..]).expect("body");
    if let ciborium::Value::Map(m) = &mut b {
        edit(m);
    }
    let mut body = Vec::new();
    ciborium::into_writer(&b, &mut body).expect("encode");
    let message = [&b"mailseal v1 chain link"[..], &body].concat();
    let signatures: Vec<ciborium::Value> = signers
        .iter()
        .map(|(d, seed)| {
            let sig = signing_key(seed).sign(&message).to_bytes();
            ciborium::Value::Map(vec![
                (
                    "d".into(),
                    ciborium::Value::Bytes(d.id().as_bytes().to_vec()),
                ),
                ("s".into(), ciborium::Value::Bytes(sig.to_vec())),
            ])
        })
        .collect();
    let out = ciborium::Value::Map(vec![
        ("b".into(), ciborium::Value::Bytes(body)),
        ("x".into(), ciborium::Value::Array(signatures)),
    ]);
    let mut bytes = Vec::new();
    ciborium::into_writer(&out, &mut bytes).expect("encode");
    bytes
}

fn set(m: &mut [(ciborium::Value, ciborium::Value)], key: &str, value: ciborium::Value) {
    if let Some(entry) = m.iter_mut().find(|(k, _)| k.as_text() == Some(key)) {
        entry.1 = value;
    }
}

/// A device with a known seed (so links can be forged with its key).
fn device(suite: Suite, rng: &mut XofRng) -> (DeviceSecret, [u8; 32]) {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let mut id = [0u8; 16];
    rng.fill_bytes(&mut id);
    (
        DeviceSecret::from_seed(suite, DeviceId::new(id), &seed),
        seed,
    )
}

fn puk(suite: Suite, user: UserId, g: u32, rng: &mut XofRng) -> PukSecret {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    PukSecret::derive(suite, user, g, PukSeed::from_bytes(seed)).expect("puk")
}

/// Appends `link`, which must verify.
fn push(chain: &mut ChainState, links: &mut Vec<Vec<u8>>, link: Vec<u8>) {
    *chain = chain.extend(&[&link]).expect("vector link verifies");
    links.push(link);
}

pub fn chain_cases(suite: Suite) -> Vec<Value> {
    let mut rng = XofRng::new(format!("chain {}", suite.name()).as_bytes());
    let mut user_id = || {
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        UserId::new(id)
    };
    let (alice, admins, bob) = (user_id(), user_id(), user_id());
    let mut rng = XofRng::new(format!("chain devices {}", suite.name()).as_bytes());
    let (laptop, laptop_seed) = device(suite, &mut rng);
    let (phone, phone_seed) = device(suite, &mut rng);
    let (backup, _) = device(suite, &mut rng);
    let (escrow, escrow_seed) = device(suite, &mut rng);
    let (admin, admin_seed) = device(suite, &mut rng);
    let (replacement, _) = device(suite, &mut rng);
    let (bob_device, _) = device(suite, &mut rng);
    let mut cases = Vec::new();

    // The administrators' chain, and Bob's (for pair codes and replays).
    let ea_puk = puk(suite, admins, 1, &mut rng);
    let ea_links = vec![
        identity::root(
            suite,
            admins,
            &admin,
            ea_puk.public(),
            &["admins@example.com"],
            LINK_TIME,
        )
        .expect("root"),
    ];
    let ea_chain = ChainState::verify(&ea_links).expect("ea chain");
    let bob_puk = puk(suite, bob, 1, &mut rng);
    let bob_links = build_chain(
        suite,
        "bob@example.com",
        &bob_device,
        &bob_puk,
        &[&replacement],
    );

    // Alice's lifecycle: root, phone, backup, escrow, the phone revoked with a rotation,
    // escrow off, a new address list, the laptop revoked by the server (no ordinary device is
    // left), and the backup device recovering onto a replacement.
    let g1 = puk(suite, alice, 1, &mut rng);
    let mut links = vec![
        identity::root(
            suite,
            alice,
            &laptop,
            g1.public(),
            &["alice@example.com"],
            LINK_TIME,
        )
        .expect("root"),
    ];
    let mut chain = ChainState::verify(&links).expect("root");
    let d = chain
        .propose_add_device(laptop.id(), phone.public(), None, LINK_TIME)
        .expect("draft");
    push(&mut chain, &mut links, signed(d, &[&laptop, &phone]));
    let d = chain
        .propose_backup_device(laptop.id(), backup.public(), None, LINK_TIME)
        .expect("draft");
    push(&mut chain, &mut links, signed(d, &[&laptop, &backup]));
    let terms = EscrowTerms {
        account: [0xac; 16],
        domain: "example.com".into(),
        ea_group: admins,
        ea_generation: 1,
        ea_key_fingerprint: ea_puk.public().mail_key.fingerprint(),
        ea_chain: ea_chain.tail(),
        ea_device: admin.id(),
        ea_device_key: admin.public().verifying_key,
    };
    let before_escrow = (chain.clone(), links.clone());
    let d = chain
        .propose_escrow_device(laptop.id(), escrow.public(), terms.clone(), None, LINK_TIME)
        .expect("draft");
    push(
        &mut chain,
        &mut links,
        signed(d, &[&laptop, &escrow, &admin]),
    );
    let with_escrow = (chain.clone(), links.clone());
    let g2 = puk(suite, alice, 2, &mut rng);
    let d = chain
        .propose_revoke(laptop.id(), phone.id(), g2.public(), LINK_TIME)
        .expect("draft");
    push(&mut chain, &mut links, signed(d, &[&laptop]));
    let phone_revoked = (chain.clone(), links.clone());
    let g3 = puk(suite, alice, 3, &mut rng);
    let d = chain
        .propose_disable_escrow(laptop.id(), g3.public(), LINK_TIME)
        .expect("draft");
    push(&mut chain, &mut links, signed(d, &[&laptop]));
    let l = chain.server_addresses(&["alice@example.com", "a@example.com"], LINK_TIME);
    push(&mut chain, &mut links, l);
    let l = chain.server_revoke(laptop.id(), LINK_TIME);
    push(&mut chain, &mut links, l);
    let g4 = puk(suite, alice, 4, &mut rng);
    let d = chain
        .propose_recovery(
            backup.id(),
            replacement.public(),
            None,
            g4.public(),
            LINK_TIME,
        )
        .expect("draft");
    push(&mut chain, &mut links, signed(d, &[&backup, &replacement]));
    cases.push(json!({
        "name": "chain_lifecycle",
        "inputs": { "links": links_json(&links) },
        "expected": state_json(&chain),
    }));
    cases.push(json!({
        "name": "chain_pair_security_code",
        "inputs": { "links": links_json(&links), "other_links": links_json(&bob_links) },
        "expected": { "pair_security_code": pair_security_code(&chain, &ChainState::verify(&bob_links).expect("bob")).to_string() },
    }));
    // Escrow recovery: from the state with escrow on, the server revokes the laptop and the
    // phone; the escrow device recovers with the administrator's co-signature.
    {
        let (mut c, mut l) = with_escrow.clone();
        for dev in [&laptop, &phone] {
            let link = c.server_revoke(dev.id(), LINK_TIME);
            push(&mut c, &mut l, link);
        }
        let g = puk(suite, alice, 2, &mut rng);
        let cosigner = RecoveryCosigner {
            device: admin.id(),
            key: admin.public().verifying_key,
            ea_chain: ea_chain.tail(),
        };
        let d = c
            .propose_recovery(
                escrow.id(),
                replacement.public(),
                Some(cosigner),
                g.public(),
                LINK_TIME,
            )
            .expect("draft");
        push(&mut c, &mut l, signed(d, &[&escrow, &replacement, &admin]));
        cases.push(json!({
            "name": "chain_recovery_by_escrow_device",
            "inputs": { "links": links_json(&l) },
            "expected": state_json(&c),
        }));
    }

    // Negative: one case per refusal of SPEC.md §12.4–12.5.
    let mut neg = |name: &str, links: &[Vec<u8>], err: &str| {
        cases.push(json!({ "name": name, "inputs": { "links": links_json(links) }, "expected_error": err }));
    };
    let with = |base: &(ChainState, Vec<Vec<u8>>), link: Vec<u8>| {
        let mut l = base.1.clone();
        l.push(link);
        l
    };
    let root_only = (
        ChainState::verify(&links[..1]).expect("root"),
        links[..1].to_vec(),
    );
    let (stranger, stranger_seed) = device(suite, &mut rng);
    // A device added by a device the chain does not list (the server's own).
    let d = root_only
        .0
        .propose_add_device(stranger.id(), stranger.public(), None, LINK_TIME)
        .expect("draft");
    let forged = forged_link(
        &signed_placeholder(d),
        |_| {},
        &[(&stranger, stranger_seed), (&stranger, stranger_seed)],
    );
    neg(
        "chain_forged_extra_device",
        &with(&root_only, forged),
        "chain/signer_not_active",
    );
    // Signed by the laptop's id with a key that is not the laptop's.
    let d = root_only
        .0
        .propose_add_device(laptop.id(), phone.public(), None, LINK_TIME)
        .expect("draft");
    let bad = forged_link(
        &signed_placeholder(d),
        |_| {},
        &[(&laptop, stranger_seed), (&phone, phone_seed)],
    );
    neg(
        "chain_bad_signature",
        &with(&root_only, bad),
        "chain/bad_signature",
    );
    // The new device's signature missing.
    let d = root_only
        .0
        .propose_add_device(laptop.id(), phone.public(), None, LINK_TIME)
        .expect("draft");
    let missing = forged_link(&signed_placeholder(d), |_| {}, &[(&laptop, laptop_seed)]);
    neg(
        "chain_missing_signature",
        &with(&root_only, missing),
        "chain/signatures",
    );
    // Bob's second link replayed into Alice's chain.
    neg(
        "chain_link_replayed_from_other_user",
        &with(&root_only, bob_links[1].clone()),
        "chain/other_user",
    );
    // The revoked phone rotates the PUK.
    let g = puk(suite, alice, 3, &mut rng);
    let d = phone_revoked
        .0
        .propose_rotation(phone.id(), g.public(), LINK_TIME)
        .expect("draft");
    neg(
        "chain_link_signed_by_revoked_device",
        &with(&phone_revoked, signed(d, &[&phone])),
        "chain/signer_not_active",
    );
    // Revoking the revoked phone again.
    let d = phone_revoked
        .0
        .propose_revoke(laptop.id(), phone.id(), g.public(), LINK_TIME)
        .expect("draft");
    neg(
        "chain_revoke_inactive_device",
        &with(&phone_revoked, signed(d, &[&laptop])),
        "chain/device_not_active",
    );
    // The backup and the escrow device approving a new device.
    let (newcomer, _) = device(suite, &mut rng);
    for (approver, name) in [
        (&backup, "chain_backup_device_approves_device"),
        (&escrow, "chain_escrow_device_approves_device"),
    ] {
        let d = with_escrow
            .0
            .propose_add_device(approver.id(), newcomer.public(), None, LINK_TIME)
            .expect("draft");
        neg(
            name,
            &with(&with_escrow, signed(d, &[approver, &newcomer])),
            "chain/role_may_not",
        );
    }
    // The escrow device turning escrow off; a plain revocation of the escrow device.
    let d = with_escrow
        .0
        .propose_disable_escrow(escrow.id(), g.public(), LINK_TIME)
        .expect("draft");
    neg(
        "chain_escrow_disabled_by_escrow_device",
        &with(&with_escrow, signed(d, &[&escrow])),
        "chain/role_may_not",
    );
    let d = with_escrow
        .0
        .propose_revoke(
            laptop.id(),
            escrow.id(),
            &puk(suite, alice, 2, &mut rng).public().clone(),
            LINK_TIME,
        )
        .expect("draft");
    neg(
        "chain_escrow_device_revoked_plainly",
        &with(&with_escrow, signed(d, &[&laptop])),
        "chain/escrow",
    );
    // Escrow enabled twice; escrow for a domain the member has no address on.
    let (escrow2, _) = device(suite, &mut rng);
    let d = with_escrow
        .0
        .propose_escrow_device(
            laptop.id(),
            escrow2.public(),
            terms.clone(),
            None,
            LINK_TIME,
        )
        .expect("draft");
    neg(
        "chain_escrow_enabled_twice",
        &with(&with_escrow, signed(d, &[&laptop, &escrow2, &admin])),
        "chain/escrow",
    );
    let other_domain = EscrowTerms {
        domain: "elsewhere.example".into(),
        ..terms.clone()
    };
    let d = before_escrow
        .0
        .propose_escrow_device(laptop.id(), escrow.public(), other_domain, None, LINK_TIME)
        .expect("draft");
    neg(
        "chain_escrow_member_not_on_domain",
        &with(&before_escrow, signed(d, &[&laptop, &escrow, &admin])),
        "chain/escrow",
    );
    // A recovery while the laptop is active.
    let d = with_escrow
        .0
        .propose_recovery(
            backup.id(),
            newcomer.public(),
            None,
            &puk(suite, alice, 2, &mut rng).public().clone(),
            LINK_TIME,
        )
        .expect("draft");
    neg(
        "chain_recovery_while_a_device_is_active",
        &with(&with_escrow, signed(d, &[&backup, &newcomer])),
        "chain/recovery",
    );
    // Reused device id and reused keys.
    let twin = DeviceSecret::generate(suite, laptop.id(), &mut rng);
    let d = root_only
        .0
        .propose_add_device(laptop.id(), twin.public(), None, LINK_TIME)
        .expect("draft");
    neg(
        "chain_device_id_reused",
        &with(&root_only, signed(d, &[&laptop, &twin])),
        "chain/reused",
    );
    let same_keys = DeviceSecret::from_seed(suite, DeviceId::new([0x42; 16]), &laptop_seed);
    let d = root_only
        .0
        .propose_add_device(laptop.id(), same_keys.public(), None, LINK_TIME)
        .expect("draft");
    neg(
        "chain_device_keys_reused",
        &with(&root_only, signed(d, &[&laptop, &same_keys])),
        "chain/reused",
    );
    // A generation skipped.
    let d = root_only
        .0
        .propose_rotation(
            laptop.id(),
            puk(suite, alice, 3, &mut rng).public(),
            LINK_TIME,
        )
        .expect("draft");
    neg(
        "chain_generation_skipped",
        &with(&root_only, signed(d, &[&laptop])),
        "chain/generation",
    );
    // A signed revocation without the rotation it must carry.
    let base = root_only_with_phone(&root_only, &laptop, &phone);
    let server_revoke = base.0.server_revoke(phone.id(), LINK_TIME);
    let signed_no_rotation = forged_link(&server_revoke, |_| {}, &[(&laptop, laptop_seed)]);
    neg(
        "chain_signed_revoke_without_rotation",
        &with(&base, signed_no_rotation),
        "chain/generation",
    );
    // An unsigned revocation that carries a rotation.
    let d = base
        .0
        .propose_revoke(
            laptop.id(),
            phone.id(),
            &puk(suite, alice, 2, &mut rng).public().clone(),
            LINK_TIME,
        )
        .expect("draft");
    let unsigned_rotation = forged_link(&signed_placeholder(d), |_| {}, &[]);
    neg(
        "chain_unsigned_revoke_with_rotation",
        &with(&base, unsigned_rotation),
        "chain/signatures",
    );
    // Unknown type, wrong previous hash, wrong suite, wrong version, a gap, no root.
    let any_link = base.1[1].clone();
    let re = |edit: &dyn Fn(&mut BodyMap)| {
        forged_link(
            &any_link,
            edit,
            &[(&laptop, laptop_seed), (&phone, phone_seed)],
        )
    };
    neg(
        "chain_unknown_link_type",
        &with(&root_only, re(&|m| set(m, "k", 9.into()))),
        "chain/unknown_type",
    );
    neg(
        "chain_previous_hash_wrong",
        &with(
            &root_only,
            re(&|m| set(m, "p", ciborium::Value::Bytes(vec![7; 32]))),
        ),
        "chain/previous_hash",
    );
    neg(
        "chain_sequence_gap",
        &with(&root_only, re(&|m| set(m, "q", 3.into()))),
        "chain/sequence",
    );
    // An address change (no keys in it) under the other suite.
    let other_suite = if suite == Suite::X25519 { 1 } else { 2 };
    let addresses = root_only
        .0
        .server_addresses(&["alice@example.com"], LINK_TIME);
    let moved = forged_link(&addresses, |m| set(m, "s", other_suite.into()), &[]);
    neg(
        "chain_other_suite",
        &with(&root_only, moved),
        "chain/other_suite",
    );
    neg(
        "chain_unsupported_version",
        &with(&root_only, re(&|m| set(m, "v", 2.into()))),
        "unsupported/version",
    );
    neg("chain_without_root", &links[1..3], "chain/not_root");
    neg(
        "chain_second_root",
        &with(&root_only, links[0].clone()),
        "chain/sequence",
    );
    let dup = root_only
        .0
        .server_addresses(&["alice@example.com", "ALICE@example.com"], LINK_TIME);
    neg(
        "chain_duplicate_address",
        &with(&root_only, dup),
        "chain/addresses",
    );
    let mut big = base.1[1].clone();
    big.resize(identity::MAX_LINK_LEN + 1, 0);
    neg(
        "chain_link_too_large",
        &with(&root_only, big),
        "limit_exceeded/link_size",
    );
    neg(
        "chain_link_trailing_byte",
        &with(&root_only, [base.1[1].clone(), vec![0]].concat()),
        "malformed/cbor/trailing_bytes",
    );

    // Trust on first use: a view that rolls back or forks what the client saw.
    let mut upd = |name: &str, cached: &[Vec<u8>], view: &[Vec<u8>], err: &str| {
        cases.push(json!({ "name": name, "inputs": { "cached": links_json(cached), "view": links_json(view) }, "expected_error": err }));
    };
    upd(
        "chain_view_rolled_back",
        &phone_revoked.1,
        &with_escrow.1,
        "chain/rollback",
    );
    let mut forked = with_escrow.1.clone();
    forked.push(
        with_escrow
            .0
            .server_addresses(&["alice@evil.example"], LINK_TIME),
    );
    upd("chain_view_forked", &phone_revoked.1, &forked, "chain/fork");
    // Shorter and different at a position the client saw: reported as the fork it shows,
    // before the rollback (SPEC.md §12.5).
    let short_fork = [
        root_only.1.clone(),
        vec![
            root_only
                .0
                .server_addresses(&["alice@evil.example"], LINK_TIME),
        ],
    ]
    .concat();
    upd(
        "chain_view_shorter_and_forked",
        &phone_revoked.1,
        &short_fork,
        "chain/fork",
    );

    // ---- Added for issue 12: strict signatures, field checks, limits, segments. ----------
    let mut rng = XofRng::new(format!("chain more {}", suite.name()).as_bytes());
    let mut neg = |name: &str, links: &[Vec<u8>], err: &str| {
        cases.push(json!({ "name": name, "inputs": { "links": links_json(links) }, "expected_error": err }));
    };
    // Strict verification (SPEC.md §5.1): the laptop's signature on the phone's link, as an
    // honest signer never makes it, but as verification without the strict checks accepts it.
    let phone_link = base.1[1].clone();
    let message = [&b"mailseal v1 chain link"[..], &link_body(&phone_link)].concat();
    let laptop_sig = forge::checked(&laptop_seed, &message, &link_signature(&phone_link, 0));
    neg(
        "chain_signature_s_not_canonical",
        &with(
            &root_only,
            with_signature(&phone_link, 0, forge::non_canonical_s(&laptop_sig)),
        ),
        "chain/bad_signature",
    );
    neg(
        "chain_signature_small_order_r",
        &with(
            &root_only,
            with_signature(&phone_link, 0, forge::small_order_r(&laptop_seed, &message)),
        ),
        "chain/bad_signature",
    );
    // A device role that does not exist (SPEC.md §12.2).
    let role3 = forged_link(
        &phone_link,
        |m| edit_payload(m, |p| edit_map(p, "d", |d| set(d, "r", 3.into()))),
        &[(&laptop, laptop_seed), (&phone, phone_seed)],
    );
    neg(
        "chain_device_role_unknown",
        &with(&root_only, role3),
        "malformed/field/device_role",
    );
    // Escrow terms naming a domain no domain can be (SPEC.md §8.1).
    let escrow_link = with_escrow.1[with_escrow.1.len() - 1].clone();
    let bad_domain = forged_link(
        &escrow_link,
        |m| {
            edit_payload(m, |p| {
                edit_map(p, "e", |e| set(e, "n", "example com".into()))
            })
        },
        &[
            (&laptop, laptop_seed),
            (&escrow, escrow_seed),
            (&admin, admin_seed),
        ],
    );
    neg(
        "chain_escrow_domain_malformed",
        &with(&before_escrow, bad_domain),
        "malformed/field/domain",
    );
    // Address lists of 32 (the most, SPEC.md §12.1) and 33.
    let addresses: Vec<String> = (0..33).map(|i| format!("a{i}@example.com")).collect();
    let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
    let too_many = root_only.0.server_addresses(&refs, LINK_TIME);
    neg(
        "chain_33_addresses",
        &with(&root_only, too_many),
        "chain/addresses",
    );
    let most = root_only.0.server_addresses(&refs[..32], LINK_TIME);
    let most_links = with(&root_only, most);
    cases.push(json!({
        "name": "chain_32_addresses",
        "inputs": { "links": links_json(&most_links) },
        "expected": state_json(&ChainState::verify(&most_links).expect("32 addresses")),
    }));
    // Segments (SPEC.md §12.2): one that verifies, one with a link too many, one too large.
    cases.push(json!({
        "name": "chain_segment",
        "inputs": { "segment": hex(&identity::encode_segment(&base.1)) },
        "expected": state_json(&base.0),
    }));
    let links_limit = identity::MAX_CHAIN_LINKS as usize;
    let mut head = vec![0x9a];
    head.extend((links_limit as u32 + 1).to_be_bytes());
    cases.push(json!({
        "name": "chain_segment_65537_links",
        "inputs": { "segment": notation::concat(vec![json!(hex(&head)), notation::fill(&[0x40], links_limit + 1)]) },
        "expected_error": "limit_exceeded/chain_length",
    }));
    cases.push(json!({
        "name": "chain_segment_too_large",
        "inputs": { "segment": notation::fill(&[0], identity::MAX_CHAIN_SEGMENT_LEN + 1) },
        "expected_error": "limit_exceeded/chain_length",
    }));
    // The device limit (SPEC.md §12.1): a chain grown to 1024 devices, and one more.
    let grown = json!({ "seed": format!("grown chain {}", suite.name()), "added_devices": 1023 });
    let grown_links = grown_chain(suite, &grown).expect("grown chain");
    let grown_state = ChainState::verify(&grown_links).expect("1024 devices");
    cases.push(json!({
        "name": "chain_1024_devices",
        "inputs": { "grown": grown, "links": [] },
        "expected": grown_summary(&grown_state),
    }));
    let (extra, _) = device(suite, &mut rng);
    let root_device = grown_root_device(suite, &grown).expect("root device");
    let d = grown_state
        .propose_add_device(root_device.id(), extra.public(), None, LINK_TIME)
        .expect("draft");
    cases.push(json!({
        "name": "chain_1025th_device",
        "inputs": { "grown": grown, "links": links_json(&[signed(d, &[&root_device, &extra])]) },
        "expected_error": "limit_exceeded/devices",
    }));
    cases
}

/// The body bytes of an encoded link.
fn link_body(link: &[u8]) -> Vec<u8> {
    let v: ciborium::Value = ciborium::from_reader(link).expect("link");
    map_get(&v, "b")
        .and_then(|b| b.as_bytes().cloned())
        .expect("body")
}

/// Signature `index` of an encoded link.
fn link_signature(link: &[u8], index: usize) -> [u8; 64] {
    let v: ciborium::Value = ciborium::from_reader(link).expect("link");
    let sigs = map_get(&v, "x")
        .and_then(|x| x.as_array())
        .expect("signatures");
    map_get(&sigs[index], "s")
        .and_then(|s| s.as_bytes())
        .and_then(|s| <[u8; 64]>::try_from(s.as_slice()).ok())
        .expect("signature")
}

/// The link with signature `index` replaced by `signature` (the body and signers unchanged).
fn with_signature(link: &[u8], index: usize, signature: [u8; 64]) -> Vec<u8> {
    let mut v: ciborium::Value = ciborium::from_reader(link).expect("link");
    if let ciborium::Value::Map(m) = &mut v
        && let Some((_, ciborium::Value::Array(sigs))) =
            m.iter_mut().find(|(k, _)| k.as_text() == Some("x"))
        && let Some(ciborium::Value::Map(sig)) = sigs.get_mut(index)
    {
        set(sig, "s", ciborium::Value::Bytes(signature.to_vec()));
    }
    let mut out = Vec::new();
    ciborium::into_writer(&v, &mut out).expect("encode");
    out
}

fn map_get<'a>(v: &'a ciborium::Value, key: &str) -> Option<&'a ciborium::Value> {
    v.as_map()?
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

/// Edits the payload (`c`, itself canonical CBOR) of a link body.
fn edit_payload(body: &mut BodyMap, f: impl FnOnce(&mut BodyMap)) {
    if let Some((_, ciborium::Value::Bytes(payload))) =
        body.iter_mut().find(|(k, _)| k.as_text() == Some("c"))
    {
        let mut p: ciborium::Value = ciborium::from_reader(&payload[..]).expect("payload");
        if let ciborium::Value::Map(m) = &mut p {
            f(m);
        }
        payload.clear();
        ciborium::into_writer(&p, &mut *payload).expect("encode");
    }
}

/// Edits the map under `key`.
fn edit_map(m: &mut BodyMap, key: &str, f: impl FnOnce(&mut BodyMap)) {
    if let Some((_, ciborium::Value::Map(inner))) =
        m.iter_mut().find(|(k, _)| k.as_text() == Some(key))
    {
        f(inner);
    }
}

/// The address a grown chain lists.
const GROWN_ADDRESS: &str = "grown@example.com";

/// The stream a grown chain is drawn from, its user and its root device.
fn grown_start(suite: Suite, spec: &Value) -> Result<(XofRng, UserId, DeviceSecret), String> {
    let mut rng = XofRng::new(str_of(spec, "seed")?.as_bytes());
    let mut user = [0u8; 16];
    rng.fill_bytes(&mut user);
    let (root, _) = device_id_first(suite, &mut rng);
    Ok((rng, UserId::new(user), root))
}

/// A device drawn as a grown chain draws it: id (16 bytes), then seed (32).
fn device_id_first(suite: Suite, rng: &mut XofRng) -> (DeviceSecret, [u8; 32]) {
    let mut id = [0u8; 16];
    rng.fill_bytes(&mut id);
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    (
        DeviceSecret::from_seed(suite, DeviceId::new(id), &seed),
        seed,
    )
}

fn grown_root_device(suite: Suite, spec: &Value) -> Result<DeviceSecret, String> {
    Ok(grown_start(suite, spec)?.2)
}

/// A chain too long to ship, grown from a named stream (test-vectors/README.md): from
/// `XofRng(seed)` the user id (16), the root device's id (16) and seed (32), the PUK seed
/// (32); the root (time `LINK_TIME`, listing `grown@example.com`); then, `added_devices`
/// times, a device's id (16) and seed (32) and an *add device* link by the root device,
/// signed by it and the new device.
pub fn grown_chain(suite: Suite, spec: &Value) -> Result<Vec<Vec<u8>>, String> {
    // Growing takes a while (every link is verified as it is added): each chain once per run.
    type Grown = std::collections::HashMap<(u16, String), Vec<Vec<u8>>>;
    static GROWN: std::sync::OnceLock<std::sync::Mutex<Grown>> = std::sync::OnceLock::new();
    let cache = GROWN.get_or_init(Default::default);
    let key = (suite.id(), spec.to_string());
    if let Some(links) = cache.lock().map_err(|e| e.to_string())?.get(&key) {
        return Ok(links.clone());
    }
    let links = grow(suite, spec)?;
    cache
        .lock()
        .map_err(|e| e.to_string())?
        .insert(key, links.clone());
    Ok(links)
}

fn grow(suite: Suite, spec: &Value) -> Result<Vec<Vec<u8>>, String> {
    let (mut rng, user, root_device) = grown_start(suite, spec)?;
    let added = u64_of(spec, "added_devices")?;
    // The device limit and one more: nothing larger is ever needed.
    if added > 1100 {
        return Err("a grown chain of more than 1100 devices".into());
    }
    let g1 = puk(suite, user, 1, &mut rng);
    let root = identity::root(
        suite,
        user,
        &root_device,
        g1.public(),
        &[GROWN_ADDRESS],
        LINK_TIME,
    )
    .map_err(|e| class(&e))?;
    let mut links = vec![root];
    let mut chain = ChainState::verify(&links).map_err(|e| class(&e))?;
    for _ in 0..added {
        let (d, _) = device_id_first(suite, &mut rng);
        let draft = chain
            .propose_add_device(root_device.id(), d.public(), None, LINK_TIME)
            .map_err(|e| class(&e))?;
        let link = signed(draft, &[&root_device, &d]);
        chain = chain.extend(&[&link]).map_err(|e| class(&e))?;
        links.push(link);
    }
    Ok(links)
}

/// What a grown chain's positive case states: its tail and how many devices it lists.
fn grown_summary(c: &ChainState) -> Value {
    json!({
        "tail": { "seq": c.tail().seq, "hash": hex(&c.tail().hash) },
        "device_count": c.devices().len(),
        "security_code": c.security_code().to_string(),
    })
}

/// The bytes of a draft's link with placeholder signatures, for [`forged_link`] to re-sign.
fn signed_placeholder(draft: LinkDraft) -> Vec<u8> {
    let mut d = draft;
    for id in d.signers().to_vec() {
        d.add_signature(id, [0; 64]).expect("placeholder");
    }
    d.finish().expect("finish")
}

/// The root-only chain with the phone added by the laptop.
fn root_only_with_phone(
    root: &(ChainState, Vec<Vec<u8>>),
    laptop: &DeviceSecret,
    phone: &DeviceSecret,
) -> (ChainState, Vec<Vec<u8>>) {
    let d = root
        .0
        .propose_add_device(laptop.id(), phone.public(), None, LINK_TIME)
        .expect("draft");
    let link = signed(d, &[laptop, phone]);
    let mut l = root.1.clone();
    l.push(link);
    (ChainState::verify(&l).expect("chain"), l)
}

pub fn verify_chain(suite: Option<Suite>, case: &Value) -> crate::cases::Check {
    let suite = need_suite(suite)?;
    let i = field(case, "inputs")?;
    let result: Result<ChainState, Error> = if i.get("cached").is_some() {
        let cached = chain_of(i, "cached")?;
        cached.update(&links_of(i, "view")?)
    } else if i.get("segment").is_some() {
        ChainState::verify_segment(&bytes_of(i, "segment")?)
    } else if let Some(spec) = i.get("grown") {
        let mut links = grown_chain(suite, spec)?;
        links.extend(links_of(i, "links")?);
        ChainState::verify(&links)
    } else {
        ChainState::verify(&links_of(i, "links")?)
    };
    if case.get("expected_error").is_some() {
        return expect_error(result, case);
    }
    let chain = result.map_err(|e| class(&e))?;
    if chain.suite() != suite {
        return Err(format!(
            "a chain of suite {} in this file",
            chain.suite().name()
        ));
    }
    let expected = field(case, "expected")?;
    if let Some(code) = expected.get("pair_security_code") {
        let other = chain_of(i, "other_links")?;
        let got = pair_security_code(&chain, &other).to_string();
        let flipped = pair_security_code(&other, &chain).to_string();
        if Some(got.as_str()) != code.as_str() || got != flipped {
            return Err(format!("pair security code differs: {got}"));
        }
        return Ok(());
    }
    let got = if i.get("grown").is_some() {
        grown_summary(&chain)
    } else {
        state_json(&chain)
    };
    if &got != expected {
        return Err(format!("chain state differs: got {got}"));
    }
    Ok(())
}
