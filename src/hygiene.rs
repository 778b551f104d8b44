//! Secret hygiene, checked by the compiler: no secret type implements `Debug` or `Clone`,
//! and every one wipes itself on drop (`ZeroizeOnDrop`). Adding either trait to a secret
//! type, or removing the wipe, breaks the build.

use core::fmt::Debug;

use zeroize::ZeroizeOnDrop;

use crate::account::backup::RecoveryCode;
use crate::account::devices::{Rotation, UnwrappedSeed};
use crate::keys::{DeviceSecret, PukSecret, PukSeed, SymmetricKey};
use crate::mail::link::{LinkFragment, LinkKey};
use crate::mail::open::OpenedMail;
use crate::mail::seal::{FinishedPiece, PieceSealer};
use crate::piece::{PieceDecryptor, PieceEncryptor, PieceKey, PieceReader};

/// Fails to compile when `$t` implements `$tr`: with the impl, the call below is ambiguous
/// between the two blanket impls.
macro_rules! assert_not_impl {
    ($t:ty, $tr:path) => {
        const _: fn() = || {
            trait AmbiguousIfImpl<A> {
                fn some_item() {}
            }
            impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
            #[allow(dead_code)]
            struct Invalid;
            impl<T: ?Sized + $tr> AmbiguousIfImpl<Invalid> for T {}
            let _ = <$t as AmbiguousIfImpl<_>>::some_item;
        };
    };
}

macro_rules! secret_types {
    ($($t:ty),* $(,)?) => {
        $(
            assert_not_impl!($t, Debug);
            assert_not_impl!($t, Clone);
        )*
    };
}

secret_types!(
    PieceKey,
    PukSeed,
    SymmetricKey,
    PukSecret,
    DeviceSecret,
    RecoveryCode,
    LinkKey,
    LinkFragment,
    FinishedPiece,
    PieceSealer,
    PieceEncryptor,
    PieceDecryptor,
    PieceReader,
    crate::piece::VerifiedPieceDecryptor,
    crate::piece::VerifiedPieceReader,
    crate::mail::open::CheckedPieceDecryptor,
    OpenedMail,
    UnwrappedSeed,
    Rotation,
    crate::keys::kem::KemSecretKey,
    crate::mail::envelope::recipient_box::BoxPlaintext,
    crate::mail::envelope::manifest::Manifest,
);

const fn wipes_on_drop<T: ZeroizeOnDrop>() {}
const _: () = {
    wipes_on_drop::<PieceKey>();
    wipes_on_drop::<PukSeed>();
    wipes_on_drop::<SymmetricKey>();
    wipes_on_drop::<DeviceSecret>();
    wipes_on_drop::<RecoveryCode>();
    wipes_on_drop::<LinkKey>();
    wipes_on_drop::<crate::mail::envelope::recipient_box::BoxPlaintext>();
};

#[cfg(test)]
mod tests {
    use zeroize::Zeroize;

    use super::*;

    /// Each secret's `Drop` calls its `zeroize`; this checks that `zeroize` wipes what the
    /// accessor exposes (reading freed memory would need `unsafe`, which the crate forbids).
    #[test]
    fn zeroize_wipes_the_secret_bytes() {
        let mut k = PieceKey::from_bytes([7; 32]);
        k.zeroize();
        assert_eq!(k.expose_secret(), &[0; 32]);
        let mut s = PukSeed::from_bytes([7; 32]);
        s.zeroize();
        assert_eq!(s.expose_secret(), &[0; 32]);
        let mut l = LinkKey::from_bytes_for_test([7; 32]);
        l.zeroize();
        assert_eq!(l.bytes_for_test(), &[0; 32]);
        let mut rng = crate::hazmat::XofRng::new(b"zeroize");
        let mut code = RecoveryCode::generate(&mut rng);
        code.zeroize();
        assert!(code.expose_text().is_empty());
    }
}
