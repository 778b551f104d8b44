//! The key-free checks the library offers for each structure, run in SPEC.md's order and
//! stopped at the first that fails.
//!
//! Where the library has no key-free entry point for a structure (seed wraps, batches, escrow
//! wraps, user-data blobs, link copies), its opener is called with a key that is certainly not
//! the structure's (a throwaway device, no PUK, no fragment): the opener runs its key-free
//! steps in SPEC.md's order and then stops at "not a recipient" (or at the missing fragment).
//! Reaching that stop means every key-free step passed; any other error is the first that
//! failed, exactly as the library reports it.

use mailseal::account::devices::{SeedWrap, open_seed_wrap, open_seed_wraps};
use mailseal::account::escrow::{EscrowWrap, open_escrow_wrap};
use mailseal::account::userdata::{UserDataBinding, open_user_data};
use mailseal::error::{Field, Malformed};
use mailseal::identity::{self, ChainState, LinkType, decode_segment};
use mailseal::keys::kem::{HPKE_TAG_LEN, enc_len};
use mailseal::keys::{DeviceId, DevicePublic, DeviceSecret, PukPublic, PukSecret, PukSeed, UserId};
use mailseal::mail::envelope::{Copy, Envelope, LinkCopy, RoutingHeader};
use mailseal::mail::link::open_link_copy;
use mailseal::mail::report::Report;
use mailseal::mail::server::{link_copy, split_envelope, validate_copy, validate_envelope};
use mailseal::piece::{self, Purpose};
use mailseal::{Error, Suite};

use super::Structure;
use crate::cbor::Node;
use crate::learned;
use crate::report::{J, failure, hex};
use crate::schema::{self, LINK_TYPES, ORIGINS, Shape};

/// Bytes a wrap's HPKE ciphertext has: a 32-byte seed and the AEAD tag (SPEC.md §7.1).
const WRAP_CIPHERTEXT_LEN: usize = 32 + HPKE_TAG_LEN;

enum Outcome {
    Ok(J),
    Failed(Error),
    NotRun(String),
}

struct Check {
    name: String,
    by: &'static str,
    outcome: Outcome,
}

/// The checks run on one input, in order; nothing runs after the first failure.
#[derive(Default)]
pub struct Checks {
    list: Vec<Check>,
}

impl Checks {
    /// The first check that failed.
    pub fn failure(&self) -> Option<&Error> {
        self.list.iter().find_map(|c| match &c.outcome {
            Outcome::Failed(e) => Some(e),
            _ => None,
        })
    }

    /// Runs `check` unless one failed before, recording what it learned or why it failed.
    fn run<T>(
        &mut self,
        name: impl Into<String>,
        by: &'static str,
        check: impl FnOnce() -> Result<T, Error>,
        learned: impl FnOnce(&T) -> J,
    ) -> Option<T> {
        if self.failure().is_some() {
            return None;
        }
        let result = check();
        let (outcome, value) = match result {
            Ok(v) => (Outcome::Ok(learned(&v)), Some(v)),
            Err(e) => (Outcome::Failed(e), None),
        };
        self.list.push(Check {
            name: name.into(),
            by,
            outcome,
        });
        value
    }

    fn not_run(&mut self, name: &str, by: &'static str, why: &str) {
        self.list.push(Check {
            name: name.to_string(),
            by,
            outcome: Outcome::NotRun(why.to_string()),
        });
    }

    pub fn to_json(&self) -> J {
        J::Arr(
            self.list
                .iter()
                .map(|c| {
                    let head = J::obj().with("check", c.name.as_str()).with("by", c.by);
                    match &c.outcome {
                        Outcome::Ok(learned) => {
                            head.with("result", "ok").with("learned", learned.clone())
                        }
                        Outcome::Failed(e) => head.with("result", "failed").merge(failure(e)),
                        Outcome::NotRun(why) => {
                            head.with("result", "not run").with("why", why.as_str())
                        }
                    }
                })
                .collect(),
        )
    }
}

/// Every check of `structure` on `input` (`node`: the input as read by [`crate::cbor`]).
pub fn run(structure: Structure, input: &[u8], node: Option<&Node>) -> Checks {
    let mut c = Checks::default();
    match structure {
        Structure::Map(s) if std::ptr::eq(s, &schema::ENVELOPE) => envelope(&mut c, input),
        Structure::Map(s) if std::ptr::eq(s, &schema::COPY) => copy(&mut c, input),
        Structure::Map(s) if std::ptr::eq(s, &schema::LINK_COPY) => linked(&mut c, input),
        Structure::Map(s) if std::ptr::eq(s, &schema::ROUTING_HEADER) => {
            header(&mut c, input);
        }
        Structure::Map(s) if std::ptr::eq(s, &schema::DEVICE_RECORD) => {
            c.run(
                "public record: size, canonical CBOR, suite, verifying key, KEM key (§5.4)",
                "mailseal::keys::DevicePublic::from_cbor",
                || DevicePublic::from_cbor(input),
                device_learned,
            );
        }
        Structure::Map(s) if std::ptr::eq(s, &schema::PUK_RECORD) => {
            c.run(
                "public record: size, canonical CBOR, suite, generation, mail key (§5.4)",
                "mailseal::keys::PukPublic::from_cbor",
                || PukPublic::from_cbor(input),
                puk_learned,
            );
        }
        Structure::Map(s) if std::ptr::eq(s, &schema::SEED_WRAP) => seed_wrap(&mut c, input, ""),
        Structure::Map(s) if std::ptr::eq(s, &schema::ESCROW_WRAP) => escrow_wrap(&mut c, input),
        Structure::Map(s) if std::ptr::eq(s, &schema::LINK) => link(&mut c, input),
        Structure::Map(s) if std::ptr::eq(s, &schema::USER_DATA) => user_data(&mut c, input, node),
        Structure::Map(s) if std::ptr::eq(s, &schema::REPORT) => {
            c.run(
                "syntax: size, canonical CBOR, version, the header (origin 0), the recipient \
                 entry, tree position and path, disclosed indices (§13.3 steps 1–6)",
                "mailseal::mail::report::Report::parse",
                || Report::parse(input),
                |r| {
                    J::obj()
                        .with("reporter", r.reporter().to_string())
                        .with("message_id", r.header().message_id.as_str())
                        .with("disclosed_pieces", r.disclosed())
                },
            );
        }
        Structure::Map(_) => {}
        Structure::Segment => segment(&mut c, input),
        Structure::Batch => batch(&mut c, input),
        Structure::Piece => piece_checks(&mut c, input),
        Structure::Text(s) => text_form(&mut c, input, s),
    }
    c
}

fn device_learned(d: &DevicePublic) -> J {
    J::obj()
        .with("device_id", d.id.to_string())
        .with("suite", d.encryption_key.suite().name())
        .with(
            "encryption_key_fingerprint",
            hex(&d.encryption_key.fingerprint()),
        )
}

fn puk_learned(p: &PukPublic) -> J {
    J::obj()
        .with("user_id", p.user.to_string())
        .with("generation", u64::from(p.generation))
        .with("suite", p.mail_key.suite().name())
        .with("mail_key_fingerprint", hex(&p.mail_key.fingerprint()))
}

/// The record a text form holds, read by the library, as canonical CBOR.
fn text_record(input: &[u8], shape: &Shape) -> Option<Result<Vec<u8>, Error>> {
    let (text, _) = super::text_form(input)?;
    Some(if std::ptr::eq(shape, &schema::DEVICE_RECORD) {
        text.parse::<DevicePublic>().map(|d| d.to_cbor())
    } else {
        text.parse::<PukPublic>().map(|p| p.to_cbor())
    })
}

fn text_form(c: &mut Checks, input: &[u8], shape: &Shape) {
    let (by, learned): (&str, fn(&[u8]) -> J) = if std::ptr::eq(shape, &schema::DEVICE_RECORD) {
        (
            "<mailseal::keys::DevicePublic as FromStr>::from_str",
            |cbor| DevicePublic::from_cbor(cbor).map_or(J::Null, |d| device_learned(&d)),
        )
    } else {
        ("<mailseal::keys::PukPublic as FromStr>::from_str", |cbor| {
            PukPublic::from_cbor(cbor).map_or(J::Null, |p| puk_learned(&p))
        })
    };
    c.run(
        "text form: prefix, length, base64url (§5.6); then every check of the record (§5.4)",
        by,
        || text_record(input, shape).unwrap_or(Err(Malformed::Field(Field::TextForm).into())),
        |cbor| learned(cbor).with("record", hex(cbor)),
    );
}

/// A text form's fields: the text, and the record it holds by SPEC.md's names.
pub fn text_fields(input: &[u8], shape: &'static Shape) -> J {
    let text = super::text_form(input).map_or("", |(t, _)| t);
    let record = match text_record(input, shape) {
        Some(Ok(cbor)) => crate::cbor::read_exact(&cbor, 0, cbor.len())
            .map_or(J::Null, |n| super::fields::render_map(&cbor, &n, shape)),
        _ => J::Null,
    };
    J::obj().with("text", text).with("record", record)
}

fn header(c: &mut Checks, bytes: &[u8]) -> Option<(RoutingHeader, Suite)> {
    c.run(
        "routing header: canonical CBOR, version, suite, origin, limits, text fields (§6.1)",
        "mailseal::mail::envelope::RoutingHeader::parse",
        || RoutingHeader::parse(bytes),
        |(h, suite)| {
            J::obj()
                .with("suite", suite.name())
                .with("origin", schema::code_name(ORIGINS, h.origin.code().into()))
        },
    )
}

fn manifest_digest(c: &mut Checks, suite: Suite, manifest: &[u8]) {
    c.run(
        "manifest digest, computed without a key (§3.4, §6.2)",
        "mailseal::piece::digest",
        || piece::digest(suite, Purpose::Manifest, manifest),
        |d| J::obj().with("manifest_digest", hex(&d.0)),
    );
}

/// A structure's strict parse, then the checks of the routing header it carries.
fn parse_with_header<T>(
    c: &mut Checks,
    (name, by): (&str, &'static str),
    parsed: Result<T, Error>,
    learned: impl FnOnce(&T) -> J,
    header_of: fn(&T) -> &[u8],
) -> Option<(T, RoutingHeader, Suite)> {
    let value = c.run(name, by, || parsed, learned)?;
    let (h, suite) = header(c, header_of(&value))?;
    Some((value, h, suite))
}

fn envelope(c: &mut Checks, input: &[u8]) {
    let Some((env, h, suite)) = parse_with_header(
        c,
        (
            "strict parse: size, canonical CBOR, recipients (§4.1, §6.6)",
            "mailseal::mail::envelope::Envelope::parse",
        ),
        Envelope::parse(input),
        |e| J::obj().with("boxes", e.boxes.len()),
        |e| &e.header.0,
    ) else {
        return;
    };
    c.run(
        "server validation, with the piece lengths the header states (§10.4)",
        "mailseal::mail::server::validate_envelope",
        || validate_envelope(input, &h.piece_sizes),
        learned::routing,
    );
    c.run(
        "split into per-recipient copies (§6.7)",
        "mailseal::mail::server::split_envelope",
        || split_envelope(input),
        |copies| learned::copies(copies),
    );
    c.run(
        "link copy (§10.3)",
        "mailseal::mail::server::link_copy",
        || link_copy(input),
        |l| J::obj().with("link_copy_bytes", l.as_ref().map(Vec::len)),
    );
    manifest_digest(c, suite, &env.manifest.0);
}

fn copy(c: &mut Checks, input: &[u8]) {
    let Some((copy, h, suite)) = parse_with_header(
        c,
        (
            "strict parse: size, canonical CBOR (§4.1, §6.7)",
            "mailseal::mail::envelope::Copy::parse",
        ),
        Copy::parse(input),
        |copy| J::obj().with("sender_record", copy.sender_record.is_some()),
        |copy| &copy.header.0,
    ) else {
        return;
    };
    c.run(
        "server validation of a copy, with the piece lengths the header states (§10.4)",
        "mailseal::mail::server::validate_copy",
        || validate_copy(input, &h.piece_sizes),
        learned::routing,
    );
    manifest_digest(c, suite, &copy.manifest.0);
}

fn linked(c: &mut Checks, input: &[u8]) {
    let Some((copy, h, suite)) = parse_with_header(
        c,
        (
            "strict parse: size, canonical CBOR (§4.1, §10.3)",
            "mailseal::mail::envelope::LinkCopy::parse",
        ),
        LinkCopy::parse(input),
        |copy| J::obj().with("link_box_bytes", copy.link_box.0.len()),
        |copy| &copy.header.0,
    ) else {
        return;
    };
    c.run(
        "the reader's key-free steps: an expiry, origin 0 (§10.3)",
        "mailseal::mail::link::open_link_copy, stopped at the fragment it is not given",
        || match open_link_copy(input, "", 0) {
            Err(Error::Malformed(Malformed::LinkFragment)) => Ok(()),
            other => other.map(|_| ()),
        },
        |()| J::obj().with("expiry", h.expiry),
    );
    manifest_digest(c, suite, &copy.manifest.0);
}

/// `result` with "not a recipient" read as "every key-free step passed".
fn stop_at_recipient<T>(result: Result<T, Error>) -> Result<(), Error> {
    match result {
        Err(Error::NotARecipient) | Ok(_) => Ok(()),
        Err(e) => Err(e),
    }
}

/// A device whose id is not `target`, and a one-device chain: keys the probes are certainly
/// not addressed to.
fn probe_keys(target: Option<DeviceId>) -> Result<(DeviceSecret, ChainState), Error> {
    let suite = Suite::X25519;
    let mut id = target.map_or([0; 16], |t| *t.as_bytes());
    id.iter_mut().for_each(|b| *b ^= 0xff);
    let device = DeviceSecret::from_seed(suite, DeviceId::new(id), &[1; 32]);
    let user = UserId::new([0xee; 16]);
    let puk = PukSecret::derive(suite, user, 1, PukSeed::from_bytes([2; 32]))?;
    let root = identity::root(suite, user, &device, puk.public(), &["probe@invalid"], 0)?;
    Ok((device, ChainState::verify(&[root])?))
}

/// SPEC.md §7.1: `len(enc)` is the suite's and `len(ct)` 48, else **malformed: field box
/// length**. The library checks this when it opens a wrap, after the steps that need keys.
fn wrap_lengths(c: &mut Checks, prefix: &str, suite: u16, enc: &[u8], ct: &[u8]) {
    let Ok(suite) = Suite::from_id(suite) else {
        return;
    };
    c.run(
        format!("{prefix}HPKE enc and ciphertext lengths (§7.1)"),
        "mailseal-cli, with mailseal::keys::kem::enc_len",
        || {
            if enc.len() == enc_len(suite) && ct.len() == WRAP_CIPHERTEXT_LEN {
                Ok(())
            } else {
                Err(Malformed::Field(Field::BoxLength).into())
            }
        },
        |()| J::obj().with("enc", enc.len()).with("ciphertext", ct.len()),
    );
}

fn suite_name(id: u16) -> J {
    Suite::from_id(id).map_or(J::Null, |s| J::from(s.name()))
}

fn seed_wrap(c: &mut Checks, input: &[u8], prefix: &str) {
    let wrap: Option<SeedWrap> = ciborium::from_reader(input).ok();
    c.run(
        format!("{prefix}strict parse, size limit, suite (§7.2 step 1)"),
        "mailseal::account::devices::open_seed_wrap, stopped at its recipient check",
        || {
            let (device, chain) = probe_keys(wrap.as_ref().map(|w| w.target))?;
            stop_at_recipient(open_seed_wrap(input, &device, &chain, None))
        },
        |()| {
            J::obj().with(
                "suite",
                wrap.as_ref().map_or(J::Null, |w| suite_name(w.suite)),
            )
        },
    );
    if let Some(w) = &wrap {
        wrap_lengths(c, prefix, w.suite, &w.enc.0, &w.ciphertext.0);
    }
}

fn batch(c: &mut Checks, input: &[u8]) {
    let wraps: Option<Vec<SeedWrap>> = ciborium::from_reader(input).ok();
    let first = wraps.as_ref().and_then(|w| w.first()).map(|w| w.target);
    let passed = c.run(
        "strict parse and limits of the batch: 8 MiB, 4096 wraps; the first wrap's suite (§7.2)",
        "mailseal::account::devices::open_seed_wraps, stopped at its recipient check",
        || {
            let (device, chain) = probe_keys(first)?;
            stop_at_recipient(open_seed_wraps(input, &device, &chain, None))
        },
        |()| J::obj().with("wraps", wraps.as_ref().map(Vec::len)),
    );
    if passed.is_none() {
        return;
    }
    for (i, w) in wraps.iter().flatten().enumerate() {
        // The batch re-encoded to exactly its bytes, so each wrap re-encodes to its own.
        let mut bytes = Vec::new();
        if ciborium::into_writer(w, &mut bytes).is_ok() {
            seed_wrap(c, &bytes, &format!("wrap {i}: "));
        }
    }
}

fn escrow_wrap(c: &mut Checks, input: &[u8]) {
    let wrap: Option<EscrowWrap> = ciborium::from_reader(input).ok();
    c.run(
        "strict parse, size limit, suite, the escrow device's verifying key (§8.2)",
        "mailseal::account::escrow::open_escrow_wrap, stopped at its recipient check",
        || {
            let (_, chain) = probe_keys(None)?;
            stop_at_recipient(open_escrow_wrap(input, &[], &chain))
        },
        |()| {
            J::obj().with(
                "suite",
                wrap.as_ref().map_or(J::Null, |w| suite_name(w.suite)),
            )
        },
    );
    if let Some(w) = &wrap {
        wrap_lengths(c, "", w.suite, &w.enc.0, &w.ciphertext.0);
    }
}

fn type_name(t: LinkType) -> &'static str {
    schema::code_name(LINK_TYPES, t.code().into())
}

fn link(c: &mut Checks, input: &[u8]) {
    let Some(kind) = c.run(
        "strict decode: size, canonical link and body, version, suite, type, payload fields (§12.2–12.3)",
        "mailseal::identity::link_type",
        || identity::link_type(input),
        |t| J::obj().with("link_type", type_name(*t)),
    ) else {
        return;
    };
    let name = "verification as a chain from the root (§12.4)";
    let by = "mailseal::identity::ChainState::verify";
    if kind == LinkType::Root {
        c.run(name, by, || ChainState::verify(&[input]), learned::chain);
    } else {
        c.not_run(
            name,
            by,
            "only a root verifies alone; inspect a segment that starts at the root",
        );
    }
}

fn segment(c: &mut Checks, input: &[u8]) {
    let Some(links) = c.run(
        "segment: size, canonical CBOR, at most 65536 links (§12.1, §12.2)",
        "mailseal::identity::decode_segment",
        || decode_segment(input),
        |links| J::obj().with("links", links.len()),
    ) else {
        return;
    };
    let by = "mailseal::identity::link_type";
    let mut types = Vec::with_capacity(links.len());
    for (i, l) in links.iter().enumerate() {
        match identity::link_type(l) {
            Ok(t) => types.push(J::from(type_name(t))),
            Err(e) => {
                let name = format!("link {}: strict decode (§12.2–12.3)", i + 1);
                c.run(name, by, || Err::<(), _>(e), |()| J::Null);
                return;
            }
        }
    }
    c.run(
        "every link: strict decode (§12.2–12.3)",
        by,
        || Ok(()),
        |()| J::obj().with("link_types", J::Arr(types)),
    );
    c.run(
        "verification from the root (§12.4)",
        "mailseal::identity::ChainState::verify_segment",
        || ChainState::verify_segment(input),
        learned::chain,
    );
}

fn user_data(c: &mut Checks, input: &[u8], node: Option<&Node>) {
    // The blob's own binding, so that only the missing key stops the opener.
    let text = |key| node.and_then(|n| n.field(key)).and_then(Node::text);
    let user = node
        .and_then(|n| n.field("u"))
        .and_then(|u| <[u8; 16]>::try_from(u.content(input)).ok())
        .map_or(UserId::new([0; 16]), UserId::new);
    let binding = UserDataBinding {
        data_type: text("k").unwrap_or("probe"),
        message_id: text("m"),
        version: None,
    };
    c.run(
        "strict parse, size limit, suite, type and message id rules (§9)",
        "mailseal::account::userdata::open_user_data, stopped at its recipient check",
        || stop_at_recipient(open_user_data(input, &user, &[], &binding, None)),
        |()| J::obj(),
    );
}

fn piece_checks(c: &mut Checks, input: &[u8]) {
    let len = input.len() as u64;
    c.run(
        "length: one a piece can have (§3.5)",
        "mailseal::piece::plaintext_len, mailseal::piece::tag_list_len",
        || Ok((piece::plaintext_len(len)?, piece::tag_list_len(len)?)),
        |(plain, tags)| {
            J::obj()
                .with("plaintext_length", *plain)
                .with("tag_list_length", *tags)
                .with("chunks", tags.saturating_sub(64) / 32)
        },
    );
    c.run(
        "digest of a mail piece, computed without a key, under each suite (§3.4)",
        "mailseal::piece::digest",
        || {
            Suite::ALL
                .iter()
                .map(|s| Ok((s.name(), piece::digest(*s, Purpose::MailPiece, input)?)))
                .collect::<Result<Vec<_>, Error>>()
        },
        |digests| {
            J::Obj(
                digests
                    .iter()
                    .map(|(suite, d)| (suite.to_string(), hex(&d.0)))
                    .collect(),
            )
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_keys_are_never_the_target() {
        let target = DeviceId::new([7; 16]);
        let (device, chain) = probe_keys(Some(target)).expect("probe keys");
        assert_ne!(device.id(), target);
        assert!(chain.has_active_device());
    }
}
