//! Security codes: short digit strings that two people compare out of band to catch a
//! forged or forked chain (SPEC.md §12.7).

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ChainState;
use crate::error::Error;
use crate::wire::form;

/// Decimal digits in a security code (about 100 bits).
pub const CODE_DIGITS: usize = 30;

/// A security code: 30 decimal digits, shown in six groups of five.
///
/// `Display` writes the groups; `FromStr` reads 30 digits with or without spaces, so a code
/// read aloud or scanned can be compared with `==`.
///
/// Two people who see the same code for a chain (or for their pair) see the same chain tail;
/// a server that showed one of them a forged or forked chain makes the codes differ.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityCode([u8; CODE_DIGITS]);

impl SecurityCode {
    /// SPEC.md §12.7: the first 16 bytes of the digest as a big-endian integer, modulo
    /// 10^30, written with leading zeros.
    fn from_digest(digest: &[u8; 32]) -> Self {
        let mut first = [0u8; 16];
        first.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
        let mut n = u128::from_be_bytes(first)
            .checked_rem(10u128.pow(CODE_DIGITS as u32))
            .unwrap_or(0);
        let mut digits = [b'0'; CODE_DIGITS];
        for d in digits.iter_mut().rev() {
            let digit = n.checked_rem(10).unwrap_or(0) as u8;
            *d = b'0'.saturating_add(digit);
            n = n.checked_div(10).unwrap_or(0);
        }
        SecurityCode(digits)
    }

    /// The 30 digits, without spaces.
    pub fn digits(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.0.chunks(5).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(core::str::from_utf8(group).unwrap_or(""))?;
        }
        Ok(())
    }
}

impl core::str::FromStr for SecurityCode {
    type Err = Error;
    /// SPEC.md §5.6: 30 decimal digits; ASCII spaces anywhere are ignored (people type the
    /// groups as they see them), anything else is refused.
    fn from_str(text: &str) -> Result<Self, Error> {
        let mut digits = [b'0'; CODE_DIGITS];
        let mut typed = text.bytes().filter(|c| *c != b' ');
        for d in digits.iter_mut() {
            *d = typed
                .next()
                .filter(u8::is_ascii_digit)
                .ok_or_else(form::bad_text)?;
        }
        if typed.next().is_some() {
            return Err(form::bad_text());
        }
        Ok(SecurityCode(digits))
    }
}

/// The six groups as text, in every serde format.
impl Serialize for SecurityCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        form::serialize_text(self, s)
    }
}

impl<'de> Deserialize<'de> for SecurityCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        form::deserialize_text(d)
    }
}

impl fmt::Debug for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecurityCode({self})")
    }
}

/// `suite_id || user || u64be(seq) || tail hash`: what a code names of one chain.
fn tail_input(chain: &ChainState, h: &mut blake3::Hasher) {
    let tail = chain.tail();
    h.update(&chain.suite().id_bytes());
    h.update(chain.user().as_bytes());
    h.update(&tail.seq.to_be_bytes());
    h.update(&tail.hash);
}

impl ChainState {
    /// The security code of this chain's tail:
    /// `BLAKE3-derive_key("mailseal v1 security code", suite_id || user || u64be(seq) || hash)`
    /// as 30 digits.
    pub fn security_code(&self) -> SecurityCode {
        let mut h = blake3::Hasher::new_derive_key("mailseal v1 security code");
        tail_input(self, &mut h);
        SecurityCode::from_digest(h.finalize().as_bytes())
    }

    /// A 32-byte fingerprint of the tail (the digest the security code is cut from).
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new_derive_key("mailseal v1 security code");
        tail_input(self, &mut h);
        *h.finalize().as_bytes()
    }
}

/// The code two people compare for their pair: both chains' tails, the lower user id first,
/// under `"mailseal v1 pair security code"`. Each computes it from their own view; equal codes
/// mean both see the same two chains.
///
/// ```
/// use mailseal::identity::{self, ChainState, pair_security_code};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
/// # let suite = mailseal::Suite::X25519;
/// # let mut chain_of = |n: u8, address: &str| -> Result<ChainState, mailseal::Error> {
/// #     let device = DeviceSecret::generate(suite, DeviceId::new([n; 16]), &mut rng);
/// #     let puk = PukSecret::generate(suite, UserId::new([n; 16]), 1, &mut rng)?;
/// #     ChainState::verify(&[identity::root(suite, UserId::new([n; 16]), &device, puk.public(), &[address], 1)?])
/// # };
/// let alice = chain_of(1, "alice@example.com")?;
/// let bob = chain_of(2, "bob@example.com")?;
/// // Alice reads hers from her screen, Bob his: the same 30 digits, in either order.
/// let code = pair_security_code(&alice, &bob);
/// assert_eq!(code, pair_security_code(&bob, &alice));
/// assert_eq!(code.digits().len(), 30);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn pair_security_code(a: &ChainState, b: &ChainState) -> SecurityCode {
    let (first, second) = if a.user() <= b.user() { (a, b) } else { (b, a) };
    let mut h = blake3::Hasher::new_derive_key("mailseal v1 pair security code");
    tail_input(first, &mut h);
    tail_input(second, &mut h);
    SecurityCode::from_digest(h.finalize().as_bytes())
}
