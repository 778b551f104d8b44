//! The strict readers of the routing header, envelopes, copies and manifests (`wire::reader`): copies
//! spliced from an envelope are the bytes their re-encoding gives, and the readers accept and
//! refuse what the reference reader (serde, then a re-encoding compared byte for byte) does,
//! with the same error class, on thousands of mutated inputs.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Debug;

use ciborium::Value;
use zeroize::Zeroizing;

use super::header::parse_with_serde;
use super::manifest::{Manifest, PieceEntry};
use super::{
    Copy, Envelope, LinkCopy, MAX_ENVELOPE_LEN, Origin, Party, RecipientKind, RoutingHeader,
};
use crate::error::{CborError, Error, Limit, Malformed};
use crate::hazmat::{TestUser, XofRng};
use crate::keys::{DeviceId, UserId};
use crate::mail::seal::{MailSealer, RecipientKey};
use crate::mail::server::{InboundMail, link_copy, seal_inbound, split_envelope};
use crate::piece::{PieceDigest, PieceKey};
use crate::suite::Suite;
use crate::wire;

type CborMap = Vec<(Value, Value)>;

const SCHEMA: Error = Error::Malformed(Malformed::Cbor(CborError::Schema));
const NOT_CANONICAL: Error = Error::Malformed(Malformed::Cbor(CborError::NotCanonical));

fn user(n: u8, address: &str) -> TestUser {
    TestUser::from_seeds(
        Suite::X25519,
        UserId::new([n; 16]),
        address,
        [n; 32],
        DeviceId::new([n ^ 0x80; 16]),
        &[n ^ 0x40; 32],
        1,
    )
    .unwrap()
}

/// Envelopes of every shape: device-signed with To, CC and BCC; with an external address
/// and the server's box; access-restricted with a link box; server-sealed.
fn envelopes() -> Vec<Vec<u8>> {
    let suite = Suite::X25519;
    let (alice, bob, carol, dave) = (
        user(1, "alice@example.com"),
        user(2, "bob@example.com"),
        user(3, "carol@example.com"),
        user(4, "dave@example.com"),
    );
    let server = user(9, "server@example.com");
    let server_key = RecipientKey::server("server@example.com", server.puk.public().clone());
    let mut rng = XofRng::new(b"envelope readers");
    let sealer = || MailSealer::new(suite, alice.sender(), "<r@example.com>", 7).unwrap();

    let mut signed = sealer().to(bob.key()).cc(carol.key()).bcc(dave.key());
    signed.add_piece(b"body", &mut rng).unwrap();
    signed.add_piece(&[7; 70_000], &mut rng).unwrap();
    let mut external = sealer()
        .to(bob.key())
        .external(RecipientKind::Cc, "eve@elsewhere.example")
        .server_access(server_key);
    external.add_piece(b"body", &mut rng).unwrap();
    let mut restricted = sealer()
        .external(RecipientKind::To, "eve@elsewhere.example")
        .access_restricted(1_000);
    restricted.add_piece(b"body", &mut rng).unwrap();
    let inbound = InboundMail {
        origin: Origin::InboundExternal,
        sender_address: "eve@elsewhere.example".into(),
        sender_user: None,
        message_id: "<i@elsewhere.example>".into(),
        timestamp: 9,
        to: vec![Party {
            address: "bob@example.com".into(),
            user: Some(bob.id),
        }],
        cc: vec![],
        recipients: vec![bob.key(), carol.key()],
        pieces: vec![b"inbound"],
    };
    vec![
        signed.seal(&mut rng).unwrap(),
        external.seal(&mut rng).unwrap(),
        restricted.seal_restricted(&mut rng).unwrap().0,
        seal_inbound(suite, &inbound, &mut rng).unwrap().envelope,
    ]
}

#[test]
fn split_splices_exactly_the_copies_their_encoding_gives() {
    for env in envelopes() {
        let parsed = Envelope::parse(&env).unwrap();
        assert_eq!(parsed.encode(), env);
        let copies = split_envelope(&env).unwrap();
        assert_eq!(copies.len(), parsed.boxes.len());
        for (c, b) in copies.iter().zip(&parsed.boxes) {
            let expected = Copy {
                recipient_box: b.clone(),
                header: parsed.header.clone(),
                manifest: parsed.manifest.clone(),
                bcc_commitment: parsed.bcc_commitment,
                sender_record: (c.kind == RecipientKind::Sender)
                    .then(|| parsed.sender_record.clone())
                    .flatten(),
            };
            assert_eq!(c.copy, expected.encode());
            assert_eq!(Copy::parse(&c.copy).unwrap(), expected);
        }
        let link = parsed.link_box.clone().map(|link_box| {
            LinkCopy {
                header: parsed.header.clone(),
                manifest: parsed.manifest.clone(),
                bcc_commitment: parsed.bcc_commitment,
                link_box,
            }
            .encode()
        });
        assert_eq!(link_copy(&env).unwrap(), link);
    }
}

/// A small deterministic generator (splitmix64) for mutations.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A byte-level mutation: flip, replace, delete, insert, truncate.
    fn bytes(&mut self, input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        let at = self.below(v.len());
        match self.below(5) {
            0 => v[at] ^= 1 << self.below(8),
            1 => v[at] = self.next() as u8,
            2 => {
                v.remove(at);
            }
            3 => v.insert(at, self.next() as u8),
            _ => v.truncate(at),
        }
        v
    }

    /// A structural mutation somewhere in the item tree: keys swapped, removed, doubled,
    /// renamed or spelled as bytes; values of another type.
    fn structure(&mut self, input: &[u8]) -> Vec<u8> {
        let mut value: Value = ciborium::from_reader(input).unwrap();
        let mut nodes = 0;
        count(&value, &mut nodes);
        let target = self.below(nodes);
        let mut seen = 0;
        self.edit(&mut value, target, &mut seen);
        let mut out = Vec::new();
        ciborium::into_writer(&value, &mut out).unwrap();
        out
    }

    fn edit(&mut self, value: &mut Value, target: usize, seen: &mut usize) -> bool {
        if *seen == target {
            self.edit_here(value);
            return true;
        }
        *seen += 1;
        let children: Vec<&mut Value> = match value {
            Value::Map(m) => m.iter_mut().map(|(_, v)| v).collect(),
            Value::Array(a) => a.iter_mut().collect(),
            _ => vec![],
        };
        for child in children {
            if self.edit(child, target, seen) {
                return true;
            }
        }
        false
    }

    fn edit_here(&mut self, value: &mut Value) {
        let replacement = match self.below(6) {
            0 => Value::Null,
            1 => Value::Integer(3.into()),
            2 => Value::Bytes(vec![1, 2]),
            3 => Value::Text("x".into()),
            4 => Value::Array(vec![Value::Integer(1.into())]),
            _ => Value::Bool(true),
        };
        match value {
            Value::Map(m) if !m.is_empty() => {
                let (i, j) = (self.below(m.len()), self.below(m.len()));
                match self.below(7) {
                    0 => m.swap(i, j),
                    1 => {
                        m.remove(i);
                    }
                    2 => {
                        let pair = m[i].clone();
                        m.push(pair);
                    }
                    3 => m[i].0 = Value::Text("zz".into()),
                    4 => {
                        if let Value::Text(k) = &m[i].0 {
                            m[i].0 = Value::Bytes(k.clone().into_bytes());
                        }
                    }
                    5 => m[i].1 = replacement,
                    _ => m[i].1 = Value::Null,
                }
            }
            Value::Array(a) if !a.is_empty() && self.below(2) == 0 => {
                let i = self.below(a.len());
                a[i] = replacement;
            }
            Value::Bytes(b) => {
                // A byte string spelled as an array of small integers.
                *value = Value::Array(b.iter().map(|x| Value::Integer((*x).into())).collect());
            }
            other => *other = replacement,
        }
    }
}

fn count(value: &Value, n: &mut usize) {
    *n += 1;
    match value {
        Value::Map(m) => m.iter().for_each(|(_, v)| count(v, n)),
        Value::Array(a) => a.iter().for_each(|v| count(v, n)),
        _ => {}
    }
}

/// The reader and the reference agree on `input`: the same value, or the same error. The
/// one difference allowed: where the reference decodes a missing nullable key as null, a
/// byte-string key as its text, or a byte string as an array of small integers, and then
/// finds that the re-encoding differs (*not canonical*), SPEC.md §4.1 says *schema* (a
/// missing or unknown key, a value of the wrong type), and so does the reader.
fn agree<T: PartialEq + Debug>(
    input: &[u8],
    reader: Result<T, Error>,
    reference: Result<T, Error>,
) -> bool {
    match (&reader, &reference) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{input:02x?}"),
        (Err(a), Err(b)) if a == b => {}
        (Err(SCHEMA), Err(NOT_CANONICAL)) => return false,
        _ => panic!("reader {reader:?}, reference {reference:?} on {input:02x?}"),
    }
    true
}

/// What a manifest holds: its flag, and each piece's digest and key.
type Entries = (bool, Vec<([u8; 32], [u8; 32])>);

/// What `m` holds, to compare.
fn entries(m: Manifest) -> Entries {
    let pieces = m.pieces.iter();
    (
        m.e2e,
        pieces
            .map(|p| (p.digest.0, *p.key.expose_secret()))
            .collect(),
    )
}

/// Every reader against its reference on mutations of each sample.
#[test]
fn readers_refuse_what_the_reference_refuses_with_the_same_class() {
    let envelopes = envelopes();
    let headers: Vec<Vec<u8>> = envelopes
        .iter()
        .map(|e| Envelope::parse(e).unwrap().header.0)
        .collect();
    let copies: Vec<Vec<u8>> = envelopes
        .iter()
        .flat_map(|e| split_envelope(e).unwrap())
        .map(|c| c.copy)
        .collect();
    let links: Vec<Vec<u8>> = envelopes
        .iter()
        .filter_map(|e| link_copy(e).unwrap())
        .collect();
    let manifests: Vec<Zeroizing<Vec<u8>>> = [1u8, 3]
        .iter()
        .map(|&n| {
            Manifest {
                e2e: n == 1,
                pieces: (0..n)
                    .map(|i| PieceEntry {
                        key: PieceKey::from_bytes([i; 32]),
                        digest: PieceDigest([i ^ 0xff; 32]),
                    })
                    .collect(),
            }
            .plaintext()
            .unwrap()
        })
        .collect();
    let mut m = Mutator(15);
    let (mut same, mut spec) = (0usize, 0usize);
    let mut tally = |agreed: bool| {
        if agreed {
            same += 1;
        } else {
            spec += 1;
        }
    };
    for _ in 0..600 {
        for sample in &headers {
            for input in [m.bytes(sample), m.structure(sample)] {
                let reference = parse_with_serde(&input);
                tally(agree(&input, RoutingHeader::parse(&input), reference));
            }
        }
        for sample in &envelopes {
            for input in [m.bytes(sample), m.structure(sample)] {
                let reference =
                    wire::decode::<Envelope>(&input, MAX_ENVELOPE_LEN, Limit::EnvelopeSize)
                        .and_then(|e| {
                            if e.boxes.len() > super::MAX_RECIPIENTS {
                                return Err(Limit::Recipients.into());
                            }
                            Ok(e)
                        });
                tally(agree(&input, Envelope::parse(&input), reference));
            }
        }
        let copy = &copies[m.below(copies.len())];
        for input in [m.bytes(copy), m.structure(copy)] {
            let reference = wire::decode(&input, MAX_ENVELOPE_LEN, Limit::EnvelopeSize);
            tally(agree(&input, Copy::parse(&input), reference));
        }
        let manifest = &manifests[m.below(manifests.len())];
        for input in [m.bytes(manifest), m.structure(manifest)] {
            let reference = Manifest::parse_with_serde(&input).map(entries);
            tally(agree(
                &input,
                Manifest::parse(&input).map(entries),
                reference,
            ));
        }
        let link = &links[m.below(links.len())];
        for input in [m.bytes(link), m.structure(link)] {
            let reference = wire::decode(&input, MAX_ENVELOPE_LEN, Limit::EnvelopeSize);
            tally(agree(&input, LinkCopy::parse(&input), reference));
        }
    }
    // Most mutants agree exactly; the allowed difference is a small share.
    assert!(
        same > 10 * spec,
        "{same} agree, {spec} schema where the reference says not canonical"
    );
}

/// `input` with its top-level map edited by `f`.
fn edited(input: &[u8], f: &dyn Fn(&mut CborMap)) -> Vec<u8> {
    let mut value: Value = ciborium::from_reader(input).unwrap();
    if let Value::Map(m) = &mut value {
        f(m);
    }
    let mut out = Vec::new();
    ciborium::into_writer(&value, &mut out).unwrap();
    out
}

/// The index of key `k` in `m`.
fn key(m: &CborMap, k: &str) -> usize {
    m.iter()
        .position(|(key, _)| *key == Value::Text(String::from(k)))
        .unwrap()
}

/// Where the reference reads what SPEC.md §4.1 calls *schema* as *not canonical*, spelled
/// out: a byte-string key, in an envelope. A missing nullable key is *schema* in both (the
/// reference's `Option` fields require their key: `wire::present`).
#[test]
fn envelope_corners_the_reference_calls_not_canonical_are_schema() {
    let env = &envelopes()[0];
    let missing_nullable = edited(env, &|m| {
        let i = key(m, "lb");
        m.remove(i);
    });
    let bytes_key = edited(env, &|m| {
        let i = key(m, "h");
        m[i].0 = Value::Bytes(b"h".to_vec());
    });
    let reference =
        |input: &[u8]| wire::decode::<Envelope>(input, MAX_ENVELOPE_LEN, Limit::EnvelopeSize).err();
    assert_eq!(Envelope::parse(&missing_nullable).err(), Some(SCHEMA));
    assert_eq!(reference(&missing_nullable), Some(SCHEMA));
    assert_eq!(Envelope::parse(&bytes_key).err(), Some(SCHEMA));
    assert_eq!(reference(&bytes_key), Some(NOT_CANONICAL));
}

/// The same in a routing header, and a byte string where an array of integers belongs (the
/// reference reads it as the array of its bytes); a missing nullable key again agrees.
#[test]
fn header_corners_the_reference_calls_not_canonical_are_schema() {
    let header = Envelope::parse(&envelopes()[0]).unwrap().header.0;
    let missing_nullable = edited(&header, &|m| {
        let i = key(m, "x");
        m.remove(i);
    });
    let bytes_key = edited(&header, &|m| {
        let i = key(m, "o");
        m[i].0 = Value::Bytes(b"o".to_vec());
    });
    let bytes_for_array = edited(&header, &|m| {
        let i = key(m, "p");
        m[i].1 = Value::Bytes(vec![1]);
    });
    assert_eq!(RoutingHeader::parse(&missing_nullable).err(), Some(SCHEMA));
    assert_eq!(parse_with_serde(&missing_nullable).err(), Some(SCHEMA));
    for input in [bytes_key, bytes_for_array] {
        assert_eq!(RoutingHeader::parse(&input).err(), Some(SCHEMA));
        assert_eq!(parse_with_serde(&input).err(), Some(NOT_CANONICAL));
    }
}
