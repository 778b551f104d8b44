#![no_main]
//! See `mailseal::fuzzing::report_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::report_target(data));
