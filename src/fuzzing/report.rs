//! The abuse-report target (SPEC.md §13): the decoder and verifier under hostile bytes.

use alloc::vec::Vec;

use super::{FuzzWorld, Seed};
use crate::mail::open::{Mailbox, OpenedMail, open_copy};
use crate::mail::report::{Report, report};
use crate::mail::server::split_envelope;

/// The sample mail as Bob opened it, and its piece ciphertexts: built once per process.
fn bobs_sample() -> &'static (OpenedMail, Vec<Vec<u8>>) {
    static SAMPLE: std::sync::OnceLock<(OpenedMail, Vec<Vec<u8>>)> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let w = FuzzWorld::shared();
        let (envelope, pieces) = w.sample_mail(b"report seeds");
        let copy = split_envelope(&envelope)
            .unwrap()
            .into_iter()
            .find(|c| c.user == w.bob)
            .unwrap()
            .copy;
        let opened = open_copy(
            &copy,
            &Mailbox::new(&w.bob_chain, [&w.bob_puk]).without_key_transparency(),
            &[&w.alice_chain],
        )
        .unwrap();
        (opened, pieces)
    })
}

/// A report checked against Alice's and Bob's chains with the sample mail's stored
/// ciphertexts. Whatever verifies proves Alice sent to Bob exactly what Bob's own copy opens
/// to; everything else is refused without a panic.
pub fn report_target(data: &[u8]) {
    let Ok(parsed) = Report::parse(data) else {
        return;
    };
    let w = FuzzWorld::shared();
    let (opened, pieces) = bobs_sample();
    let ciphertexts: Vec<&[u8]> = parsed
        .disclosed()
        .iter()
        .filter_map(|i| pieces.get(*i).map(Vec::as_slice))
        .collect();
    if let Ok(v) = parsed.verify(&w.alice_chain, &w.bob_chain, &ciphertexts) {
        assert_eq!((v.sender, v.reporter), (w.alice, w.bob));
        assert_eq!(v.piece_count, pieces.len());
        for p in &v.pieces {
            let own = opened.open_piece(p.index, &pieces[p.index]).unwrap();
            assert_eq!(
                p.plaintext, own,
                "a report proved content Bob's copy does not hold"
            );
        }
    }
}

/// Seeds: Bob's reports of the sample mail disclosing nothing, the body, and both pieces.
pub fn report_seeds() -> Vec<Seed> {
    let w = FuzzWorld::shared();
    let (opened, _) = bobs_sample();
    [(&[][..], "none"), (&[0][..], "body"), (&[0, 1][..], "both")]
        .into_iter()
        .map(|(disclose, name)| {
            let bytes = report(opened, disclose, &w.bob_device, 1_700_000_000).unwrap();
            (alloc::format!("report_{name}"), bytes)
        })
        .collect()
}
