//! Abuse reports (SPEC.md §13), the service's side: a report proves, without any key of the
//! reporter's, that the sender's device signed the disclosed content to the reporter. (The
//! reader makes one with `OpenedMail.report`.)

use js_sys::Array;
use mailseal::mail::report::{Report, VerifiedReport};
use wasm_bindgen::prelude::*;

use crate::chain::Chain;
use crate::convert::{self, Obj, array, byte_arrays, kind_name, num};
use crate::error::{JsResult, OrThrow};
use crate::open::header_object;

/// `{disclosed, reporter, header}` of a report whose syntax checked (SPEC.md §13.3 steps
/// 1–6), before any signature: fetch the stored ciphertexts of `disclosed` and the two
/// chains, then `verifyReport`.
#[wasm_bindgen(js_name = parseReport, unchecked_return_type = "ParsedReport")]
pub fn parse_report(report: &[u8]) -> JsResult<JsValue> {
    let r = Report::parse(report).or_throw()?;
    Ok(Obj::new()
        .set(
            "disclosed",
            array(r.disclosed().into_iter().map(|i| num(i as u64))),
        )
        .set("reporter", r.reporter().to_string())
        .set("header", header_object(r.header(), r.header().suite))
        .done())
}

fn verified_object(v: &VerifiedReport) -> JsValue {
    let pieces = array(v.pieces.iter().map(|p| {
        Obj::new()
            .set("index", num(p.index as u64))
            .set("plaintext", convert::bytes(&p.plaintext))
            .done()
    }));
    Obj::new()
        .set("sender", v.sender.to_string())
        .set("senderDevice", v.sender_device.to_string())
        .set("senderStatus", v.sender_status.code())
        .set("from", v.from.as_str())
        .set("fromIsSenders", v.from_is_senders)
        .set("sentAt", num(v.sent_at))
        .set("messageId", v.message_id.as_str())
        .set("recipient", v.recipient.as_str())
        .set("recipientKind", kind_name(v.recipient_kind))
        .set("reporter", v.reporter.to_string())
        .set("reporterDevice", v.reporter_device.to_string())
        .set("reportedAt", num(v.reported_at))
        .set("pieceCount", num(v.piece_count as u64))
        .set("pieces", pieces)
        .done()
}

/// Verifies a report (SPEC.md §13.3) against the sender's and the reporter's verified chains,
/// opening each disclosed piece from its stored ciphertext (`ciphertexts`, in the order of
/// `parseReport(report).disclosed`): what the report proves.
#[wasm_bindgen(js_name = verifyReport, unchecked_return_type = "VerifiedReport")]
pub fn verify_report(
    report: &[u8],
    sender: &Chain,
    reporter: &Chain,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] ciphertexts: &Array,
) -> JsResult<JsValue> {
    let ciphertexts = byte_arrays(ciphertexts, "ciphertexts")?;
    let refs: Vec<&[u8]> = ciphertexts.iter().map(Vec::as_slice).collect();
    let v = mailseal::mail::report::verify_report(report, &sender.inner, &reporter.inner, &refs)
        .or_throw()?;
    Ok(verified_object(&v))
}
