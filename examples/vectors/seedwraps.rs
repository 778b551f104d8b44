//! More `seed_wrap` cases (SPEC.md §7.2, §8.4): wraps co-signed by an escrow administrator
//! in a recovery, batches of wraps, the wrap limits, strict signatures, and the approver rule
//! (a device revoked before a generation was introduced cannot have held it).
//!
//! `inputs.kind` says which: `"cosigned"`, `"batch"`, or absent for a single wrap (the
//! original form, read by `cases::verify_seed_wrap`).

use mailseal::Suite;
use mailseal::account::devices::{
    SeedWrap, open_seed_wrap, open_seed_wraps, wrap_seed_cosigned, wrap_seeds,
};
use mailseal::account::escrow::{AccountDomain, EscrowContext, enrollment_terms};
use mailseal::hazmat::{TapeRng, XofRng};
use mailseal::identity::{self, ChainState, RecoveryCosigner};
use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, PukSeed, UserId};
use mailseal::wire::Fixed;
use rand_core::Rng;
use serde_json::{Value, json};

use crate::cases::notation::{self, array_of, bytes_of};
use crate::cases::{Check, class, draw, enc_any, expect_error, forge, make_seed_wrap};
use crate::chains::{LINK_TIME, build_chain, chain_of, intermediate_puk, links_json, signed};
use crate::json::*;

fn hpke_len(suite: Suite) -> usize {
    if suite == Suite::X25519 { 32 } else { 64 }
}

fn device_of(i: &Value, id: &str, seed: &str, suite: Suite) -> Result<DeviceSecret, String> {
    Ok(DeviceSecret::from_seed(
        suite,
        DeviceId::new(array_of(i, id)?),
        &array_of(i, seed)?,
    ))
}

fn puk_of(suite: Suite, i: &Value) -> Result<PukSecret, String> {
    PukSecret::derive(
        suite,
        UserId::new(array_of(i, "user")?),
        u32::try_from(u64_of(i, "generation")?).map_err(|e| e.to_string())?,
        PukSeed::from_bytes(array_of(i, "puk_seed")?),
    )
    .map_err(|e| class(&e))
}

/// The cases this module adds to `seed_wrap-<suite>.json`, after the original ones.
/// `single` is the original positive case's inputs (approver root, rotations to generation
/// 3, the target added).
pub fn cases(suite: Suite, single: &Value) -> Vec<Value> {
    let mut rng = XofRng::new(format!("seed wrap more {}", suite.name()).as_bytes());
    let mut cases = Vec::new();
    let wrap = make_seed_wrap(suite, single).expect("wrap");
    let w: SeedWrap = ciborium::from_reader(&wrap[..]).expect("wrap");
    let mut neg = |name: &str, wrap: Value, err: &str| {
        let mut i = single.clone();
        i["wrap"] = wrap;
        cases.push(json!({ "name": name, "inputs": i, "expected_error": err }));
    };
    // Single wraps: strict S, lengths, suite, size.
    let mut x = w.clone();
    x.signature.0 = forge::non_canonical_s(&w.signature.0);
    neg(
        "seed_wrap_signature_s_not_canonical",
        json!(hex(&enc_any(&x))),
        "authentication/signature",
    );
    let mut x = w.clone();
    x.ciphertext.0.pop();
    neg(
        "seed_wrap_ciphertext_47_bytes",
        json!(hex(&enc_any(&x))),
        "malformed/field/box_length",
    );
    let mut x = w.clone();
    x.enc.0.pop();
    neg(
        "seed_wrap_enc_one_byte_short",
        json!(hex(&enc_any(&x))),
        "malformed/field/box_length",
    );
    let mut x = w.clone();
    x.suite = 0x7777;
    neg(
        "seed_wrap_unknown_suite",
        json!(hex(&enc_any(&x))),
        "unsupported/suite",
    );
    neg(
        "seed_wrap_4097_bytes",
        notation::fill(&[0], mailseal::account::devices::MAX_SEED_WRAP_LEN + 1),
        "limit_exceeded/wrap_size",
    );

    // The approver rule: a device revoked later may have wrapped older generations; a
    // generation introduced by (or after) its revocation it never held.
    {
        let user: [u8; 16] = draw(&mut rng);
        let (g1_seed, g2_seed): ([u8; 32], [u8; 32]) = (draw(&mut rng), draw(&mut rng));
        let device = |rng: &mut XofRng| {
            let (id, seed): ([u8; 16], [u8; 32]) = (draw(rng), draw(rng));
            (
                DeviceSecret::from_seed(suite, DeviceId::new(id), &seed),
                id,
                seed,
            )
        };
        let (laptop, _, _) = device(&mut rng);
        let (old, old_id, old_seed) = device(&mut rng);
        let (target, target_id, target_seed) = device(&mut rng);
        let g1 = PukSecret::derive(suite, UserId::new(user), 1, PukSeed::from_bytes(g1_seed))
            .expect("puk");
        let g2 = PukSecret::derive(suite, UserId::new(user), 2, PukSeed::from_bytes(g2_seed))
            .expect("puk");
        let mut links = vec![
            identity::root(
                suite,
                UserId::new(user),
                &laptop,
                g1.public(),
                &["user@example.com"],
                LINK_TIME,
            )
            .expect("root"),
        ];
        let mut chain = ChainState::verify(&links).expect("root");
        for d in [&old, &target] {
            let draft = chain
                .propose_add_device(laptop.id(), d.public(), None, LINK_TIME)
                .expect("draft");
            let l = signed(draft, &[&laptop, d]);
            chain = chain.extend(&[&l]).expect("link");
            links.push(l);
        }
        let draft = chain
            .propose_revoke(laptop.id(), old.id(), g2.public(), LINK_TIME)
            .expect("draft");
        links.push(signed(draft, &[&laptop]));
        let inputs = |g: u32, seed: &[u8; 32], rng: &mut XofRng| {
            let mut r = vec![0u8; hpke_len(suite)];
            rng.fill_bytes(&mut r);
            json!({
                "user": hex(&user), "puk_seed": hex(seed), "generation": g,
                "target_device_seed": hex(&target_seed), "target_device_id": hex(&target_id),
                "approver_device_seed": hex(&old_seed), "approver_device_id": hex(&old_id),
                "hpke_randomness": hex(&r), "chain": links_json(&links),
            })
        };
        let earlier = inputs(1, &g1_seed, &mut rng);
        let wrap = make_seed_wrap(suite, &earlier).expect("wrap");
        cases.push(json!({
            "name": "seed_wrap_by_device_revoked_later",
            "inputs": earlier,
            "expected": { "wrap": hex(&wrap) },
        }));
        let mut later = inputs(2, &g2_seed, &mut rng);
        later["wrap"] = json!(hex(&make_seed_wrap(suite, &later).expect("wrap")));
        cases.push(json!({
            "name": "seed_wrap_by_device_revoked_before_its_generation",
            "inputs": later,
            "expected_error": "authentication/unknown_signer",
        }));
    }

    // Batches (SPEC.md §7.2): every generation the approver holds, for a new device.
    {
        let mut i = single.clone();
        if let Some(o) = i.as_object_mut() {
            o.insert("kind".into(), json!("batch"));
            o.remove("hpke_randomness");
        }
        let mut r = vec![0u8; 3 * hpke_len(suite)];
        rng.fill_bytes(&mut r);
        i["hpke_randomness"] = json!(hex(&r));
        let batch = make_batch(suite, &i).expect("batch");
        cases.push(json!({ "name": "seed_wrap_batch_generations_1_to_3", "inputs": i, "expected": { "batch": hex(&batch) } }));
        let wraps: Vec<SeedWrap> = ciborium::from_reader(&batch[..]).expect("batch");
        let mut bneg = |name: &str, batch: Value, err: &str| {
            let mut x = i.clone();
            x["batch"] = batch;
            cases.push(json!({ "name": name, "inputs": x, "expected_error": err }));
        };
        let mut edited = wraps.clone();
        edited[1].signature.0[7] ^= 1;
        bneg(
            "seed_wrap_batch_one_signature_flipped",
            json!(hex(&enc_any(&edited))),
            "authentication/signature",
        );
        let mut edited = wraps.clone();
        edited[2].target = DeviceId::new([0x11; 16]);
        bneg(
            "seed_wrap_batch_one_for_another_device",
            json!(hex(&enc_any(&edited))),
            "not_a_recipient",
        );
        // 4097 wraps (the batch's first wrap, repeated) and 8 MiB + 1 bytes, in the compact
        // form (SPEC.md §4.2: MAX_SEED_WRAPS, MAX_SEED_WRAP_BATCH_LEN).
        let one = enc_any(&wraps[0]);
        let count = mailseal::account::devices::MAX_SEED_WRAPS + 1;
        let mut head = vec![0x99];
        head.extend((count as u16).to_be_bytes());
        bneg(
            "seed_wrap_batch_4097_wraps",
            notation::concat(vec![
                json!(hex(&head)),
                notation::fill(&one, count * one.len()),
            ]),
            "limit_exceeded/wrap_size",
        );
        bneg(
            "seed_wrap_batch_over_8_mib",
            notation::fill(
                &[0],
                mailseal::account::devices::MAX_SEED_WRAP_BATCH_LEN + 1,
            ),
            "limit_exceeded/wrap_size",
        );
    }

    // A recovery through escrow (SPEC.md §8.4): the escrow device wraps to the replacement,
    // an administrator's device co-signs; the replacement opens with the member's chain and
    // the administrators'.
    cases.extend(cosigned_cases(suite, &mut rng));
    cases
}

/// The member's chain of a recovery through escrow and the administrators' chain, with
/// every secret the wraps need.
fn cosigned_cases(suite: Suite, rng: &mut XofRng) -> Vec<Value> {
    let member: [u8; 16] = draw(rng);
    let ea_group: [u8; 16] = draw(rng);
    let puk_seed: [u8; 32] = draw(rng);
    let ea_puk_seed: [u8; 32] = draw(rng);
    let device = |rng: &mut XofRng| {
        let (id, seed): ([u8; 16], [u8; 32]) = (draw(rng), draw(rng));
        (
            DeviceSecret::from_seed(suite, DeviceId::new(id), &seed),
            id,
            seed,
        )
    };
    let (laptop, _, _) = device(rng);
    let (escrow, escrow_id, escrow_seed) = device(rng);
    let (admin, admin_id, admin_seed) = device(rng);
    let (replacement, replacement_id, replacement_seed) = device(rng);
    let ea_puk = PukSecret::derive(
        suite,
        UserId::new(ea_group),
        1,
        PukSeed::from_bytes(ea_puk_seed),
    )
    .expect("puk");
    let ea_links = build_chain(suite, "admins@example.com", &admin, &ea_puk, &[]);
    let ea_chain = ChainState::verify(&ea_links).expect("ea chain");
    // The member: the laptop's root (generation 1 drawn as below generation 2 of
    // `puk_seed`), the escrow device, the laptop revoked by the server, the recovery.
    let g1 = intermediate_puk(suite, UserId::new(member), &puk_seed, 1);
    let g2 = PukSecret::derive(suite, UserId::new(member), 2, PukSeed::from_bytes(puk_seed))
        .expect("puk");
    let mut links = vec![
        identity::root(
            suite,
            UserId::new(member),
            &laptop,
            g1.public(),
            &["member@example.com"],
            LINK_TIME,
        )
        .expect("root"),
    ];
    let mut chain = ChainState::verify(&links).expect("root");
    let ctx = EscrowContext {
        account: Fixed([0xac; 16]),
        domain: AccountDomain::Custom("example.com"),
        member: UserId::new(member),
        member_address: "member@example.com",
        ea_chain: &ea_chain,
    };
    let terms = enrollment_terms(&ctx, admin.public()).expect("terms");
    let d = chain
        .propose_escrow_device(laptop.id(), escrow.public(), terms, None, LINK_TIME)
        .expect("draft");
    let mut push = |l: Vec<u8>, chain: &mut ChainState| {
        *chain = chain.extend(&[&l]).expect("link");
        links.push(l);
    };
    push(signed(d, &[&laptop, &escrow, &admin]), &mut chain);
    let l = chain.server_revoke(laptop.id(), LINK_TIME);
    push(l, &mut chain);
    let cosigner = RecoveryCosigner {
        device: admin.id(),
        key: admin.public().verifying_key,
        ea_chain: ea_chain.tail(),
    };
    let d = chain
        .propose_recovery(
            escrow.id(),
            replacement.public(),
            Some(cosigner),
            g2.public(),
            LINK_TIME,
        )
        .expect("draft");
    push(signed(d, &[&escrow, &replacement, &admin]), &mut chain);

    let mut r = vec![0u8; hpke_len(suite)];
    rng.fill_bytes(&mut r);
    let inputs = json!({
        "kind": "cosigned", "user": hex(&member), "puk_seed": hex(&puk_seed), "generation": 2,
        "target_device_seed": hex(&replacement_seed), "target_device_id": hex(&replacement_id),
        "approver_device_seed": hex(&escrow_seed), "approver_device_id": hex(&escrow_id),
        "cosigner_user": hex(&ea_group),
        "cosigner_device_seed": hex(&admin_seed), "cosigner_device_id": hex(&admin_id),
        "hpke_randomness": hex(&r), "chain": links_json(&links), "ea_chain": links_json(&ea_links),
    });
    let wrap = make_cosigned(suite, &inputs).expect("cosigned wrap");
    let mut cases = vec![json!({
        "name": "seed_wrap_cosigned_recovery",
        "inputs": inputs,
        "expected": { "wrap": hex(&wrap) },
    })];
    let w: SeedWrap = ciborium::from_reader(&wrap[..]).expect("wrap");
    let mut neg = |name: &str, wrap: &SeedWrap, ea_chain: Option<Value>, err: &str| {
        let mut i = inputs.clone();
        i["wrap"] = json!(hex(&enc_any(wrap)));
        if let Some(c) = ea_chain {
            i["ea_chain"] = c;
        }
        cases.push(json!({ "name": name, "inputs": i, "expected_error": err }));
    };
    let mut x = w.clone();
    x.cosignature = None;
    neg(
        "seed_wrap_escrow_device_without_cosignature",
        &x,
        None,
        "chain/role_may_not",
    );
    neg(
        "seed_wrap_cosigned_without_ea_chain",
        &w,
        Some(Value::Null),
        "authentication/unknown_signer",
    );
    neg(
        "seed_wrap_cosigned_with_another_groups_chain",
        &w,
        Some(links_json(&links)),
        "authentication/unknown_signer",
    );
    let mut x = w.clone();
    if let Some(cs) = x.cosignature.as_mut() {
        cs.user = UserId::new([0x5a; 16]);
    }
    neg(
        "seed_wrap_cosigner_of_another_group",
        &x,
        None,
        "authentication/unknown_signer",
    );
    let mut x = w.clone();
    if let Some(cs) = x.cosignature.as_mut() {
        cs.device = DeviceId::new([0x5b; 16]);
    }
    neg(
        "seed_wrap_cosigner_not_in_ea_chain",
        &x,
        None,
        "authentication/unknown_signer",
    );
    let mut x = w.clone();
    if let Some(cs) = x.cosignature.as_mut() {
        cs.signature.0[3] ^= 1;
    }
    neg(
        "seed_wrap_cosignature_flipped",
        &x,
        None,
        "authentication/signature",
    );
    let mut x = w.clone();
    if let Some(cs) = x.cosignature.as_mut() {
        cs.signature.0 = forge::non_canonical_s(&cs.signature.0);
    }
    neg(
        "seed_wrap_cosignature_s_not_canonical",
        &x,
        None,
        "authentication/signature",
    );
    // §7.1: the lengths are checked before the co-signature, which signs `enc` (an enc one
    // byte long would otherwise fail the co-signature: another class).
    let mut x = w.clone();
    x.enc.0.push(0);
    neg(
        "seed_wrap_cosigned_enc_one_byte_long",
        &x,
        None,
        "malformed/field/box_length",
    );
    // The replacement (an ordinary device) as approver, with a co-signature it must not have.
    let mut r2 = vec![0u8; hpke_len(suite)];
    rng.fill_bytes(&mut r2);
    let ordinary = wrap_seed_cosigned(
        &g2,
        UserId::new(member),
        replacement.public(),
        &replacement,
        UserId::new(ea_group),
        &admin,
        &mut TapeRng::new(r2),
    )
    .expect("wrap");
    neg(
        "seed_wrap_ordinary_approver_with_cosignature",
        &ciborium::from_reader(&ordinary[..]).expect("wrap"),
        None,
        "authentication/unknown_signer",
    );
    cases
}

fn make_cosigned(suite: Suite, i: &Value) -> Result<Vec<u8>, String> {
    let puk = puk_of(suite, i)?;
    let target = device_of(i, "target_device_id", "target_device_seed", suite)?;
    let approver = device_of(i, "approver_device_id", "approver_device_seed", suite)?;
    let cosigner = device_of(i, "cosigner_device_id", "cosigner_device_seed", suite)?;
    let mut rng = TapeRng::new(bytes_of(i, "hpke_randomness")?);
    let wrap = wrap_seed_cosigned(
        &puk,
        UserId::new(array_of(i, "user")?),
        target.public(),
        &approver,
        UserId::new(array_of(i, "cosigner_user")?),
        &cosigner,
        &mut rng,
    )
    .map_err(|e| class(&e))?;
    if rng.overrun() || rng.remaining() != 0 {
        return Err("hpke_randomness has the wrong length".into());
    }
    Ok(wrap)
}

/// Every generation from 1 to `generation`: the lower ones drawn as the chains of these
/// vectors draw them, the last from `puk_seed`.
fn generations(suite: Suite, i: &Value) -> Result<Vec<PukSecret>, String> {
    let top = puk_of(suite, i)?;
    let user = UserId::new(array_of(i, "user")?);
    let seed: [u8; 32] = array_of(i, "puk_seed")?;
    let mut all: Vec<PukSecret> = (1..top.generation())
        .map(|g| intermediate_puk(suite, user, &seed, g))
        .collect();
    all.push(top);
    Ok(all)
}

fn make_batch(suite: Suite, i: &Value) -> Result<Vec<u8>, String> {
    let puks = generations(suite, i)?;
    let target = device_of(i, "target_device_id", "target_device_seed", suite)?;
    let approver = device_of(i, "approver_device_id", "approver_device_seed", suite)?;
    let mut rng = TapeRng::new(bytes_of(i, "hpke_randomness")?);
    let batch = wrap_seeds(
        &puks,
        UserId::new(array_of(i, "user")?),
        target.public(),
        &approver,
        &mut rng,
    )
    .map_err(|e| class(&e))?;
    if rng.overrun() || rng.remaining() != 0 {
        return Err("hpke_randomness has the wrong length".into());
    }
    Ok(batch)
}

/// Checks a `cosigned` or `batch` case.
pub fn verify(suite: Suite, case: &Value) -> Check {
    let i = field(case, "inputs")?;
    let target = device_of(i, "target_device_id", "target_device_seed", suite)?;
    let chain = chain_of(i, "chain")?;
    match str_of(i, "kind")? {
        "cosigned" => {
            let ea_chain = match i.get("ea_chain") {
                Some(Value::Null) | None => None,
                Some(_) => Some(chain_of(i, "ea_chain")?),
            };
            if case.get("expected_error").is_some() {
                return expect_error(
                    open_seed_wrap(&bytes_of(i, "wrap")?, &target, &chain, ea_chain.as_ref()),
                    case,
                );
            }
            let wrap = make_cosigned(suite, i)?;
            check_hex(field(case, "expected")?, "wrap", &wrap)?;
            let opened =
                open_seed_wrap(&wrap, &target, &chain, ea_chain.as_ref()).map_err(|e| class(&e))?;
            let cosigner = DeviceId::new(array_of(i, "cosigner_device_id")?);
            if opened.puk.seed().expose_secret() != &array_of::<32>(i, "puk_seed")?
                || opened.cosigner.map(|c| c.public.id) != Some(cosigner)
            {
                return Err("the seed or the co-signer differs".into());
            }
            Ok(())
        }
        "batch" => {
            if case.get("expected_error").is_some() {
                return expect_error(
                    open_seed_wraps(&bytes_of(i, "batch")?, &target, &chain, None),
                    case,
                );
            }
            let batch = make_batch(suite, i)?;
            check_hex(field(case, "expected")?, "batch", &batch)?;
            let opened = open_seed_wraps(&batch, &target, &chain, None).map_err(|e| class(&e))?;
            let want = generations(suite, i)?;
            if opened.len() != want.len()
                || opened
                    .iter()
                    .zip(&want)
                    .any(|(o, w)| o.puk.public() != w.public())
            {
                return Err("the unwrapped generations differ".into());
            }
            Ok(())
        }
        other => Err(format!("unknown seed_wrap kind {other}")),
    }
}
