#![no_main]
//! Seal then open any plaintext in fuzzer-chosen parts; see `mailseal::fuzzing`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::piece_round_trip(data));
