//! The `transparency` operation (SPEC.md §14): checkpoints under a client's policy, tails
//! proven in the log, and self-monitoring. A log (`mail.example.com/log`) publishes Alice's
//! and Bob's chains; three witnesses cosign; clients need two cosignatures.
//!
//! Every case gives a `policy` `{origin, log_key, witnesses: [{name, key}], threshold}` and
//! `notes`, the checkpoints the client is handed in order, each `{note, consistency}` (text
//! and hex proof from the previously held one). `check` is what the client then verifies:
//! `none`, `{published: {chain, index, entry, inclusion}}` or `{monitor: {chain, history:
//! [{index, entry, inclusion}]}}` (newest first). A positive case expects the held
//! checkpoint `{size, root}` and the result; a negative case the error of the first step that
//! fails (every earlier step must pass), the policy itself being the first.

use mailseal::Suite;
use mailseal::identity::ChainState;
use mailseal::keys::{DeviceId, DeviceSecret, VerifyingKey};
use mailseal::transparency::log::{MemoryLog, MemoryWitness};
use mailseal::transparency::{
    LogEntry, LogPolicy, MonitorFinding, TransparencyView, WitnessIdentity,
};
use serde_json::{Value, json};

use super::{Check, Party, class, draw};
use crate::chains::{build_chain, links_json, links_of};
use crate::json::*;

const ORIGIN: &str = "mail.example.com/log";

fn key_hex(k: &VerifyingKey) -> String {
    hex(&k.to_bytes())
}

fn policy_json(log: &MemoryLog, witnesses: &[MemoryWitness], threshold: usize) -> Value {
    json!({
        "origin": ORIGIN,
        "log_key": key_hex(&log.verifying_key()),
        "witnesses": witnesses.iter().map(|w| { let i = w.identity(); json!({ "name": i.name, "key": key_hex(&i.key) }) }).collect::<Vec<_>>(),
        "threshold": threshold,
    })
}

fn text(note: &[u8]) -> String {
    String::from_utf8(note.to_vec()).expect("notes are text")
}

/// The log's checkpoint cosigned by the first `n` witnesses.
fn witnessed(log: &MemoryLog, witnesses: &mut [MemoryWitness], n: usize, time: u64) -> Vec<u8> {
    let mut note = log.checkpoint();
    for w in witnesses.iter_mut().take(n) {
        note = w
            .cosign(&note, &log.consistency_from(w.size()), time)
            .expect("cosign");
    }
    note
}

fn proof_json(log: &MemoryLog, index: u64) -> Value {
    json!({ "index": index, "entry": hex(&log.entry(index).expect("entry")), "inclusion": hex(&log.inclusion(index).expect("proof")) })
}

pub fn cases(alice: &Party, bob: &Party) -> Vec<Value> {
    let suite = Suite::X25519;
    let mut rng = mailseal::hazmat::XofRng::new(b"transparency");
    let intruder = DeviceSecret::from_seed(suite, DeviceId::new(draw(&mut rng)), &draw(&mut rng));
    let alice_puk = alice.puk(suite).expect("puk");
    let alice_links = build_chain(suite, &alice.address, &alice.device(suite), &alice_puk, &[]);
    let grown = build_chain(
        suite,
        &alice.address,
        &alice.device(suite),
        &alice_puk,
        &[&intruder],
    );
    let bob_links = bob.links(suite);
    let chain = |links: &[Vec<u8>]| ChainState::verify(links).expect("chain");

    let log_seed: [u8; 32] = draw(&mut rng);
    let mut log = MemoryLog::new(ORIGIN, log_seed).expect("log");
    let mut witnesses: Vec<MemoryWitness> = (0..3)
        .map(|i| {
            MemoryWitness::new(
                &format!("witness{i}.example.org"),
                draw(&mut rng),
                ORIGIN,
                log.verifying_key(),
            )
            .expect("witness")
        })
        .collect();
    let policy = policy_json(&log, &witnesses, 2);
    let a0 = log.publish(&chain(&alice_links)).expect("publish");
    let b0 = log.publish(&chain(&bob_links)).expect("publish");
    let first = witnessed(&log, &mut witnesses, 3, 1_764_374_400);
    let first_size = log.size();
    let a1 = log.publish(&chain(&grown)).expect("publish");
    let second = witnessed(&log, &mut witnesses, 2, 1_764_378_000);
    let consistency = hex(&log.consistency_from(first_size));
    let notes = |list: &[(&[u8], &str)]| {
        json!(
            list.iter()
                .map(|(n, c)| json!({ "note": text(n), "consistency": c }))
                .collect::<Vec<_>>()
        )
    };
    let both = notes(&[(&first, ""), (&second, &consistency)]);
    let held =
        |size: u64, note_log: &MemoryLog| json!({ "size": size, "root": root_of(note_log, size) });

    let mut cases = Vec::new();
    let mut case = |name: &str, notes: Value, check: Value, outcome: Result<Value, &str>| {
        let mut c =
            json!({ "name": name, "inputs": { "policy": policy, "notes": notes, "check": check } });
        match outcome {
            Ok(expected) => c["expected"] = expected,
            Err(e) => c["expected_error"] = json!(e),
        }
        cases.push(c);
    };
    let published = |links: &[Vec<u8>], index: u64| json!({ "published": { "chain": links_json(links), "at": proof_json(&log, index) } });
    case(
        "checkpoint_then_extension",
        both.clone(),
        json!("none"),
        Ok(json!({ "held": held(3, &log) })),
    );
    case(
        "tail_published",
        both.clone(),
        published(&alice_links, a0),
        Ok(json!({ "held": held(3, &log), "published": { "index": a0, "seq": 1 } })),
    );
    let grown_seq = u64::try_from(grown.len()).expect("len");
    case(
        "grown_tail_published",
        both.clone(),
        published(&grown, a1),
        Ok(json!({ "held": held(3, &log), "published": { "index": a1, "seq": grown_seq } })),
    );
    let history = json!(
        log.history(&chain(&alice_links).user())
            .expect("history")
            .iter()
            .map(|(i, e, p)| json!({ "index": i, "entry": hex(e), "inclusion": hex(p) }))
            .collect::<Vec<_>>()
    );
    case(
        "monitor_finds_a_device_added_behind_the_users_back",
        both.clone(),
        json!({ "monitor": { "chain": links_json(&alice_links), "history": history } }),
        Ok(json!({ "held": held(3, &log), "monitor": { "ahead": grown_seq } })),
    );
    case(
        "monitor_consistent",
        both.clone(),
        json!({ "monitor": { "chain": links_json(&grown), "history": history } }),
        Ok(json!({ "held": held(3, &log), "monitor": "consistent" })),
    );

    // Checkpoints refused.
    let log_only = log.checkpoint();
    case(
        "checkpoint_signed_by_the_log_alone",
        notes(&[(&log_only, "")]),
        json!("none"),
        Err("transparency/witnesses"),
    );
    let one = witnessed(&log, &mut witnesses[2..], 1, 1_764_380_000);
    case(
        "checkpoint_cosigned_by_one_of_two",
        notes(&[(&one, "")]),
        json!("none"),
        Err("transparency/witnesses"),
    );
    let mut impostor = MemoryLog::new(ORIGIN, draw(&mut rng)).expect("log");
    impostor.publish(&chain(&alice_links)).expect("publish");
    case(
        "checkpoint_signed_by_another_key",
        notes(&[(&impostor.checkpoint(), "")]),
        json!("none"),
        Err("transparency/log_signature"),
    );
    let other = MemoryLog::new("other.example.com/log", draw(&mut rng)).expect("log");
    case(
        "checkpoint_of_another_log",
        notes(&[(&other.checkpoint(), "")]),
        json!("none"),
        Err("transparency/other_log"),
    );
    let crlf = text(&first).replace('\n', "\r\n");
    case(
        "checkpoint_with_carriage_returns",
        json!([{ "note": crlf, "consistency": "" }]),
        json!("none"),
        Err("transparency/checkpoint"),
    );
    case(
        "checkpoint_rolled_back",
        notes(&[(&second, ""), (&first, "")]),
        json!("none"),
        Err("transparency/rollback"),
    );
    case(
        "checkpoint_without_a_consistency_proof",
        notes(&[(&first, ""), (&second, "")]),
        json!("none"),
        Err("transparency/fork"),
    );

    // Tails refused.
    case(
        "tail_before_any_checkpoint",
        json!([]),
        published(&alice_links, a0),
        Err("transparency/no_checkpoint"),
    );
    case(
        "tail_of_another_user",
        both.clone(),
        published(&bob_links, a0),
        Err("transparency/entry_mismatch"),
    );
    let mut bad_proof = proof_json(&log, a0);
    bad_proof["inclusion"] = json!(hex(&[0u8; 64]));
    case(
        "tail_with_a_wrong_inclusion_proof",
        both.clone(),
        json!({ "published": { "chain": links_json(&alice_links), "at": bad_proof } }),
        Err("transparency/not_included"),
    );
    let unpublished = LogEntry::for_chain(&chain(&bob_links), Some(b0));
    let mut not_logged = proof_json(&log, b0);
    not_logged["entry"] = json!(hex(&unpublished.encode()));
    case(
        "tail_not_in_the_log",
        both.clone(),
        json!({ "published": { "chain": links_json(&bob_links), "at": not_logged } }),
        Err("transparency/not_included"),
    );
    case(
        "tail_ahead_of_the_clients_chain",
        both.clone(),
        published(&alice_links, a1),
        Err("chain/behind"),
    );
    case(
        "monitor_history_cut_short",
        both.clone(),
        json!({ "monitor": { "chain": links_json(&grown), "history": [history[0].clone()] } }),
        Err("transparency/entry_mismatch"),
    );
    // A split view: the same origin and key, a forged chain for Alice. The witnesses that
    // cosigned `first` refuse it (it does not extend what they saw), so the service can only
    // move their cosignatures onto it, where they do not verify.
    let forged = build_chain(suite, &alice.address, &intruder, &alice_puk, &[]);
    let mut split = MemoryLog::new(ORIGIN, log_seed).expect("log");
    split.publish(&chain(&forged)).expect("publish");
    for w in witnesses.iter_mut() {
        assert!(
            w.cosign(&split.checkpoint(), &[], 1_764_380_000).is_err(),
            "a witness cosigned a fork"
        );
    }
    let moved: String = text(&split.checkpoint())
        + text(&first)
            .split_once("\n\n")
            .map_or("", |(_, sigs)| sigs)
            .lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .as_str();
    case(
        "split_view_with_moved_cosignatures",
        json!([{ "note": moved, "consistency": "" }]),
        json!("none"),
        Err("transparency/witnesses"),
    );

    // A log that published an entry longer than any entry can be.
    log.append_raw(vec![0xa4; mailseal::transparency::MAX_ENTRY_LEN + 1]);
    let third = witnessed(&log, &mut witnesses, 2, 1_764_381_600);
    let c3 = hex(&log.consistency_from(3));
    case(
        "tail_entry_over_the_size_limit",
        notes(&[(&first, ""), (&second, &consistency), (&third, &c3)]),
        json!({ "published": { "chain": links_json(&alice_links), "at": proof_json(&log, 3) } }),
        Err("limit_exceeded/log_entry_size"),
    );

    // Policies a client refuses to be configured with (SPEC.md §14.3): nothing is verified.
    for (name, field, value) in [
        ("policy_trusting_the_log_alone", "threshold", json!(0)),
        (
            "policy_threshold_above_its_witnesses",
            "threshold",
            json!(4),
        ),
        (
            "policy_origin_of_two_words",
            "origin",
            json!("mail.example.com log"),
        ),
    ] {
        let mut bad = policy.clone();
        bad[field] = value;
        cases.push(json!({
            "name": name,
            "inputs": { "policy": bad, "notes": both, "check": "none" },
            "expected_error": "misuse/invalid_log_setup",
        }));
    }
    cases
}

fn root_of(log: &MemoryLog, size: u64) -> String {
    // The root in a checkpoint's third line.
    let note = log.checkpoint();
    let t = text(&note);
    let mut lines = t.lines();
    let (_, s, root) = (lines.next(), lines.next(), lines.next());
    assert_eq!(s, Some(size.to_string().as_str()), "the log's current size");
    let raw = base64_decode(root.expect("root"));
    hex(&raw)
}

/// Standard base64 (RFC 4648 §4), decoded here so the vectors do not take it from the crate.
fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|a| *a == c).expect("base64") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// The policy a case configures: `Err` for input the runner cannot read, `Ok(Err(class))` for
/// a policy the library refuses.
fn policy_of(v: &Value) -> Result<Result<LogPolicy, String>, String> {
    let key = |v: &Value, k: &str| -> Result<VerifyingKey, String> {
        VerifyingKey::from_bytes(&array_of(v, k)?).map_err(|e| class(&e))
    };
    let witnesses = list_of(v, "witnesses")?
        .iter()
        .map(|w| {
            Ok(WitnessIdentity {
                name: str_of(w, "name")?.to_string(),
                key: key(w, "key")?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let threshold = usize::try_from(u64_of(v, "threshold")?).map_err(|e| e.to_string())?;
    Ok(LogPolicy::new(
        str_of(v, "origin")?,
        key(v, "log_key")?,
        witnesses,
        threshold,
    )
    .map_err(|e| class(&e)))
}

/// Runs a case; `Ok(value)` is what it proved, `Err` the class of the step that failed.
fn run(inputs: &Value) -> Result<Result<Value, String>, String> {
    let policy = match policy_of(field(inputs, "policy")?)? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let mut view = TransparencyView::new(policy);
    for n in list_of(inputs, "notes")? {
        let note = str_of(n, "note")?.as_bytes().to_vec();
        let consistency = unhex(str_of(n, "consistency")?)?;
        if let Err(e) = view.update(&note, &consistency) {
            return Ok(Err(class(&e)));
        }
    }
    let held = view
        .checkpoint()
        .map(|c| json!({ "size": c.size, "root": hex(&c.root) }));
    let check = field(inputs, "check")?;
    let mut out = json!({ "held": held });
    if let Some(p) = check.get("published") {
        let chain = ChainState::verify(&links_of(p, "chain")?).map_err(|e| class(&e))?;
        let at = field(p, "at")?;
        match view.verify_published(
            &chain,
            u64_of(at, "index")?,
            &unhex(str_of(at, "entry")?)?,
            &unhex(str_of(at, "inclusion")?)?,
        ) {
            Ok(t) => out["published"] = json!({ "index": t.index(), "seq": t.seq() }),
            Err(e) => return Ok(Err(class(&e))),
        }
    } else if let Some(m) = check.get("monitor") {
        let chain = ChainState::verify(&links_of(m, "chain")?).map_err(|e| class(&e))?;
        let history = list_of(m, "history")?
            .iter()
            .map(|h| {
                Ok((
                    u64_of(h, "index")?,
                    unhex(str_of(h, "entry")?)?,
                    unhex(str_of(h, "inclusion")?)?,
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        match view.monitor(&chain, &history) {
            Ok(MonitorFinding::Consistent) => out["monitor"] = json!("consistent"),
            Ok(MonitorFinding::Ahead { seq }) => out["monitor"] = json!({ "ahead": seq }),
            Ok(other) => return Err(format!("unknown finding {other:?}")),
            Err(e) => return Ok(Err(class(&e))),
        }
    }
    Ok(Ok(out))
}

pub fn verify(_suite: Option<Suite>, case: &Value) -> Check {
    let got = run(field(case, "inputs")?)?;
    match (case.get("expected_error").and_then(Value::as_str), got) {
        (Some(want), Err(e)) if e == want => Ok(()),
        (Some(want), Err(e)) => Err(format!("expected error {want}, got {e}")),
        (Some(want), Ok(v)) => Err(format!("expected error {want}, but it proved {v}")),
        (None, Err(e)) => Err(format!("refused: {e}")),
        (None, Ok(v)) => {
            let want = field(case, "expected")?;
            if &v == want {
                Ok(())
            } else {
                Err(format!("proved {v}, expected {want}"))
            }
        }
    }
}
