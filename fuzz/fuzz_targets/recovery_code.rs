#![no_main]
//! See `mailseal::fuzzing::recovery_code_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::recovery_code_target(data));
