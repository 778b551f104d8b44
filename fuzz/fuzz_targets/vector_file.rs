#![no_main]
//! The auditor's vector-file reader (`examples/vectors/`) on arbitrary bytes: whatever the
//! file holds, it reports failures and never panics.

#[allow(dead_code)]
#[path = "../../examples/vectors/cases.rs"]
mod cases;
#[path = "../../examples/vectors/chains.rs"]
mod chains;
#[allow(dead_code)]
#[path = "../../examples/vectors/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "../../examples/vectors/xwing.rs"]
mod xwing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = cases::verify_document(&doc);
    }
});
