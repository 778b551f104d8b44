#![no_main]
//! See `mailseal::fuzzing::user_data_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::user_data_target(data));
