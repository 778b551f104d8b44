#![no_main]
//! See `mailseal::fuzzing::seed_wrap_batch_target`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::seed_wrap_batch_target(data));
