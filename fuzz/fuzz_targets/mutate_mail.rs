#![no_main]
//! See `mailseal::fuzzing::mutate_mail`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailseal::fuzzing::mutate_mail(data));
