#![no_main]
//! See `mailseal::fuzzing::server_validate`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::server_validate(data));
