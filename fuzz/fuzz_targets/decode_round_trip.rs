#![no_main]
//! See `mailseal::fuzzing::decode_round_trip`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::decode_round_trip(data));
