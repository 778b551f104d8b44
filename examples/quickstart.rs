//! A piece sealed, opened incrementally, read at random, and a tampered copy rejected.
//!
//! Run with `cargo run --example quickstart`.

use mailseal::Suite;
use mailseal::piece::{self, PieceDecryptor, PieceKey, PieceReader, Purpose};
use rand_core::SeedableRng;

fn main() -> Result<(), mailseal::Error> {
    // The crate owns no RNG: the caller passes one in. A real client passes its OS RNG.
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([42; 32]);
    let suite = Suite::default();
    let key = PieceKey::generate(&mut rng);

    let attachment: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let sealed = piece::seal(suite, Purpose::MailPiece, &key, &mut rng, &attachment)?;
    println!(
        "sealed {} plaintext bytes into {} ciphertext bytes under {}",
        attachment.len(),
        sealed.ciphertext.len(),
        suite.name()
    );
    println!("piece digest (goes into the manifest): {:?}", sealed.digest);

    // Open incrementally, as if the bytes arrived from the network 4 KiB at a time.
    let mut dec = PieceDecryptor::new(suite, Purpose::MailPiece, &key);
    let mut plaintext = Vec::new();
    for part in sealed.ciphertext.chunks(4096) {
        dec.push(part, &mut plaintext)?;
    }
    let digest = dec.finish(&mut plaintext)?;
    assert_eq!(plaintext, attachment);
    assert_eq!(digest, sealed.digest);
    println!(
        "opened incrementally: {} bytes, digest matches",
        plaintext.len()
    );

    // Random access: the third chunk alone.
    let ct = &sealed.ciphertext;
    let reader = PieceReader::new(
        suite,
        Purpose::MailPiece,
        &key,
        &ct[..piece::HEADER_LEN],
        ct.len() as u64,
    )?;
    let range = reader.chunk_range(2)?;
    let chunk = reader.open_chunk(2, &ct[range.start as usize..range.end as usize])?;
    assert_eq!(
        chunk,
        &attachment[2 * piece::CHUNK_SIZE..3 * piece::CHUNK_SIZE]
    );
    println!(
        "opened chunk 2 of {} on its own: {} bytes",
        reader.chunk_count(),
        chunk.len()
    );

    // A server that flips one bit gets nothing released.
    let mut tampered = sealed.ciphertext.clone();
    tampered[100_000] ^= 0x04;
    match piece::open(suite, Purpose::MailPiece, &key, &tampered) {
        Ok(_) => panic!("a tampered piece opened"),
        Err(e) => println!("tampered copy rejected: {e}"),
    }

    // The right bytes under the wrong key fail at the key commitment, before any chunk.
    let wrong = PieceKey::generate(&mut rng);
    match piece::open(suite, Purpose::MailPiece, &wrong, &sealed.ciphertext) {
        Ok(_) => panic!("opened under the wrong key"),
        Err(e) => println!("wrong key rejected: {e}"),
    }
    Ok(())
}
