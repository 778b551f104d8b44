//! A recipient's key as sealing uses it: address, current PUK, and the chain tail it came
//! from (SPEC.md §6.3, §12).

use alloc::string::String;

use crate::error::{Error, Misuse};
use crate::identity::{ChainState, ChainTail};
use crate::keys::PukPublic;

/// A recipient user's key, as the recipient's verified chain gives it
/// ([`RecipientKey::from_chain`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientKey {
    /// The address the mail is sent to.
    pub address: String,
    /// The user's current mail PUK (user id, generation, key).
    pub puk: PukPublic,
    /// The tail of the user's chain the key was read from: bound into the mail, so the
    /// recipient can tell which view of its own chain the sender had. `None` only for the
    /// server's key ([`RecipientKey::server`]).
    pub tail: Option<ChainTail>,
}

impl RecipientKey {
    /// A recipient from their verified chain: the current PUK and the tail. The address must
    /// be one of the chain's ([`Misuse::AddressNotInChain`]) and the user must have an active
    /// ordinary device to read the mail ([`Misuse::NoActiveDevice`]).
    ///
    /// ```
    /// # use mailseal::identity::{self, ChainState};
    /// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
    /// # use mailseal::mail::seal::RecipientKey;
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
    /// # let suite = mailseal::Suite::X25519;
    /// # let bob = UserId::new([2; 16]);
    /// # let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
    /// # let puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
    /// # let root = identity::root(suite, bob, &phone, puk.public(), &["bob@example.com"], 1)?;
    /// let chain = ChainState::verify(&[&root])?;
    /// let key = RecipientKey::from_chain("bob@example.com", &chain)?;
    /// assert_eq!(key.tail, Some(chain.tail()));
    /// assert!(RecipientKey::from_chain("mallory@example.com", &chain).is_err());
    /// # Ok::<(), mailseal::Error>(())
    /// ```
    pub fn from_chain(address: impl Into<String>, chain: &ChainState) -> Result<Self, Error> {
        let address = address.into();
        if !chain.has_address(&address) {
            return Err(Misuse::AddressNotInChain.into());
        }
        if !chain.has_active_device() {
            return Err(Misuse::NoActiveDevice.into());
        }
        Ok(RecipientKey {
            address,
            puk: chain.current_puk().clone(),
            tail: Some(chain.tail()),
        })
    }

    /// The server's key, to give it access (SPEC.md §10.1): it has no chain.
    pub fn server(address: impl Into<String>, puk: PukPublic) -> Self {
        RecipientKey {
            address: address.into(),
            puk,
            tail: None,
        }
    }
}
