//! Backup key: a virtual device derived from a human-typable recovery code (SPEC.md §7.4).
//!
//! A code is 128 random bits in Crockford base32 (26 symbols) plus two check symbols: a
//! Luhn mod 32 symbol, which catches every single-symbol substitution and every transposition
//! of adjacent different symbols, and a hash symbol that catches random garbage with
//! probability 31/32. Shown as seven groups of four, for example
//! `7ZQ1-M4RT-...`. Case, dashes and spaces are ignored on input, and `O`, `I`, `L` read as
//! `0`, `1`, `1`.
//!
//! ```
//! use mailseal::account::backup::{RecoveryCode, backup_device};
//! use mailseal::keys::DeviceId;
//! use mailseal::Suite;
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([6; 32]);
//! let code = RecoveryCode::generate(&mut rng);
//! let shown = code.expose_text().to_string(); // the user writes this down
//! let typed = RecoveryCode::parse(&shown.to_lowercase())?;
//! let id = DeviceId::new([0xbb; 16]);
//! let a = backup_device(Suite::X25519, &code, id);
//! let b = backup_device(Suite::X25519, &typed, id);
//! assert_eq!(a.public(), b.public());
//! # Ok::<(), mailseal::Error>(())
//! ```

use alloc::string::String;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Malformed, RecoveryCodeError};
use crate::keys::{DeviceId, DeviceSecret, hkdf32};
use crate::suite::Suite;

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Bytes of entropy in a code.
const ENTROPY_LEN: usize = 16;
/// Symbols carrying the entropy (130 bits, the last 2 zero).
const DATA_SYMBOLS: usize = 26;
/// Symbols in a whole code.
const CODE_SYMBOLS: usize = DATA_SYMBOLS + 2;

/// A recovery code. Secret: no `Debug`, no `Clone`; wiped on drop.
pub struct RecoveryCode {
    entropy: [u8; ENTROPY_LEN],
    text: String,
}

impl RecoveryCode {
    /// A fresh code with 128 bits from `rng`.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        let mut entropy = [0u8; ENTROPY_LEN];
        rng.fill_bytes(&mut entropy);
        Self::from_entropy(entropy)
    }

    // safe: indices and bit offsets stay below the fixed array sizes (28 symbols, 16 bytes).
    #[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
    fn from_entropy(mut entropy: [u8; ENTROPY_LEN]) -> Self {
        let mut symbols = Zeroizing::new([0u8; CODE_SYMBOLS]);
        // 128 bits, most significant first, in 5-bit groups; the 26th group has 2 zero bits.
        for (i, s) in symbols.iter_mut().take(DATA_SYMBOLS).enumerate() {
            *s = bits5(&entropy, i * 5);
        }
        let data: Zeroizing<[u8; DATA_SYMBOLS]> = Zeroizing::new(core::array::from_fn(|i| {
            symbols.get(i).copied().unwrap_or(0)
        }));
        symbols[DATA_SYMBOLS] = luhn32_check(&data);
        symbols[DATA_SYMBOLS + 1] = hash_symbol(&entropy);
        let mut text = String::with_capacity(CODE_SYMBOLS + CODE_SYMBOLS / 4);
        for (i, s) in symbols.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                text.push('-');
            }
            text.push(char::from(ALPHABET[usize::from(*s & 31)]));
        }
        let code = RecoveryCode { entropy, text };
        // `entropy` was copied into the code; wipe this copy.
        entropy.zeroize();
        code
    }

    /// Parses a typed code, ignoring case, spaces and dashes. Fails on a wrong length, a
    /// character outside the alphabet, or a check-symbol mismatch (a typo).
    // safe: `n` is bounded by the 28-slot array (`get_mut` fails first); other indices are
    // constants below 28 and bit offsets below 130.
    #[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
    pub fn parse(input: &str) -> Result<Self, Error> {
        let err = |e| Error::Malformed(Malformed::RecoveryCode(e));
        let mut symbols = Zeroizing::new([0u8; CODE_SYMBOLS]);
        let mut n = 0usize;
        for c in input.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let v = symbol_value(c).ok_or(err(RecoveryCodeError::Character))?;
            let slot = symbols.get_mut(n).ok_or(err(RecoveryCodeError::Length))?;
            *slot = v;
            n += 1;
        }
        if n != CODE_SYMBOLS {
            return Err(err(RecoveryCodeError::Length));
        }
        let data: Zeroizing<[u8; DATA_SYMBOLS]> = Zeroizing::new(core::array::from_fn(|i| {
            symbols.get(i).copied().unwrap_or(0)
        }));
        // The 2 padding bits of the last data symbol must be zero: one spelling per code.
        if data[DATA_SYMBOLS - 1] & 0b11 != 0 || luhn32_check(&data) != symbols[DATA_SYMBOLS] {
            return Err(err(RecoveryCodeError::Checksum));
        }
        let mut entropy = Zeroizing::new([0u8; ENTROPY_LEN]);
        for (i, s) in data.iter().enumerate() {
            put_bits5(entropy.as_mut_slice(), i * 5, *s);
        }
        if hash_symbol(&entropy) != symbols[DATA_SYMBOLS + 1] {
            return Err(err(RecoveryCodeError::Checksum));
        }
        Ok(Self::from_entropy(*entropy))
    }

    /// The code as shown to the user: seven dash-separated groups of four symbols.
    pub fn expose_text(&self) -> &str {
        &self.text
    }
}

impl Zeroize for RecoveryCode {
    fn zeroize(&mut self) {
        self.entropy.zeroize();
        self.text.zeroize();
    }
}
impl Drop for RecoveryCode {
    fn drop(&mut self) {
        self.zeroize();
    }
}
impl ZeroizeOnDrop for RecoveryCode {}

/// The backup device a code stands for (SPEC.md §7.4):
/// `device_seed = HKDF-SHA256(salt = "mailseal v1 backup code", IKM = entropy,
/// info = "mailseal v1 backup device seed", 32)`, then the device keys of §5.1.
pub fn backup_device(suite: Suite, code: &RecoveryCode, id: DeviceId) -> DeviceSecret {
    let seed = hkdf32(
        b"mailseal v1 backup code",
        &code.entropy,
        &[b"mailseal v1 backup device seed"],
    );
    DeviceSecret::from_seed(suite, id, &seed)
}

fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|a| char::from(*a) == c)
        .map(|p| p as u8)
}

/// The 5 bits of `bytes` starting at bit `offset` (most significant first); bits past the end
/// read as zero.
// safe: offsets are below 130 (26 symbols × 5 bits); shifts are below 8.
#[allow(clippy::arithmetic_side_effects)]
fn bits5(bytes: &[u8], offset: usize) -> u8 {
    (0..5).fold(0u8, |acc, k| {
        let bit = offset + k;
        let b = bytes
            .get(bit / 8)
            .map_or(0, |byte| (byte >> (7 - bit % 8)) & 1);
        (acc << 1) | b
    })
}

// safe: offsets are below 130 (26 symbols × 5 bits); shifts are below 8.
#[allow(clippy::arithmetic_side_effects)]
fn put_bits5(bytes: &mut [u8], offset: usize, value: u8) {
    for k in 0..5 {
        let bit = offset + k;
        if let Some(byte) = bytes.get_mut(bit / 8)
            && (value >> (4 - k)) & 1 == 1
        {
            *byte |= 1 << (7 - bit % 8);
        }
    }
}

/// Luhn mod 32 check symbol: from the right, every other symbol (starting with the rightmost
/// data symbol) is doubled and its base-32 digits summed.
// safe: 26 symbols below 32 each: the sum stays below 26 × 63.
#[allow(clippy::arithmetic_side_effects)]
fn luhn32_check(data: &[u8; DATA_SYMBOLS]) -> u8 {
    let sum: u32 = data.iter().rev().enumerate().fold(0, |acc, (i, s)| {
        let v = u32::from(*s);
        let addend = if i % 2 == 0 {
            2 * v / 32 + 2 * v % 32
        } else {
            v
        };
        acc + addend
    });
    ((32 - sum % 32) % 32) as u8
}

/// `BLAKE3-derive_key("mailseal v1 recovery code check", entropy)[0] >> 3`.
fn hash_symbol(entropy: &[u8; ENTROPY_LEN]) -> u8 {
    blake3::derive_key("mailseal v1 recovery code check", entropy)[0] >> 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn every_single_symbol_change_is_caught() {
        let mut rng = ChaCha20Rng::from_seed([8; 32]);
        for _ in 0..20 {
            let code = RecoveryCode::generate(&mut rng);
            let text: alloc::vec::Vec<char> = code.expose_text().chars().collect();
            assert_eq!(
                RecoveryCode::parse(code.expose_text()).unwrap().entropy,
                code.entropy
            );
            for (i, c) in text.iter().enumerate() {
                if *c == '-' {
                    continue;
                }
                for a in ALPHABET.iter().map(|a| char::from(*a)).filter(|a| a != c) {
                    let mut typo = text.clone();
                    typo[i] = a;
                    let typo: String = typo.into_iter().collect();
                    assert_eq!(
                        RecoveryCode::parse(&typo).err(),
                        Some(Error::Malformed(Malformed::RecoveryCode(
                            RecoveryCodeError::Checksum
                        ))),
                        "{typo}"
                    );
                }
            }
        }
    }

    #[test]
    fn adjacent_transpositions_are_caught() {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        for _ in 0..20 {
            let code = RecoveryCode::generate(&mut rng);
            let symbols: alloc::vec::Vec<char> =
                code.expose_text().chars().filter(|c| *c != '-').collect();
            for i in 0..symbols.len() - 1 {
                if symbols[i] == symbols[i + 1] {
                    continue;
                }
                let mut t = symbols.clone();
                t.swap(i, i + 1);
                let t: String = t.into_iter().collect();
                assert!(
                    RecoveryCode::parse(&t).is_err(),
                    "transposition at {i} accepted"
                );
            }
        }
    }

    #[test]
    fn format_and_leniency() {
        let mut rng = ChaCha20Rng::from_seed([10; 32]);
        let code = RecoveryCode::generate(&mut rng);
        assert_eq!(code.expose_text().len(), 28 + 6);
        let lower_spaced = code.expose_text().to_lowercase().replace('-', " ");
        assert_eq!(
            RecoveryCode::parse(&lower_spaced).unwrap().entropy,
            code.entropy
        );
        let short = &code.expose_text()[..code.expose_text().len() - 1];
        assert_eq!(
            RecoveryCode::parse(short).err(),
            Some(Error::Malformed(Malformed::RecoveryCode(
                RecoveryCodeError::Length
            )))
        );
        assert_eq!(
            RecoveryCode::parse("U").err(),
            Some(Error::Malformed(Malformed::RecoveryCode(
                RecoveryCodeError::Character
            )))
        );
    }
}
