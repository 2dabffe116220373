//! Marvin32/Marvin64, the seeded hash .NET uses for string hash codes and the
//! Functions host uses as the checksum of its generated keys.
//!
//! Hand-written from the published algorithm (SymCrypt's `marvin32.c` and the
//! .NET port the host carries): no maintained crate provides it.

/// The 64-bit Marvin hash of `data` under `seed`.
pub fn marvin64(data: &[u8], seed: u64) -> u64 {
    let mut p0 = seed as u32;
    let mut p1 = (seed >> 32) as u32;

    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        p0 = p0.wrapping_add(word);
        block(&mut p0, &mut p1);
    }

    // The tail is padded with a single 0x80 byte right after the data, so
    // inputs that differ only in trailing zero bytes still hash differently.
    let tail = chunks.remainder();
    let mut last = [0u8; 4];
    last[..tail.len()].copy_from_slice(tail);
    last[tail.len()] = 0x80;
    p0 = p0.wrapping_add(u32::from_le_bytes(last));
    block(&mut p0, &mut p1);
    block(&mut p0, &mut p1);

    (u64::from(p1) << 32) | u64::from(p0)
}

/// The 32-bit Marvin hash: both halves of [`marvin64`] folded together.
pub fn marvin32(data: &[u8], seed: u64) -> u32 {
    let hash = marvin64(data, seed);
    ((hash >> 32) as u32) ^ (hash as u32)
}

fn block(p0: &mut u32, p1: &mut u32) {
    *p1 ^= *p0;
    *p0 = p0.rotate_left(20);
    *p0 = p0.wrapping_add(*p1);
    *p1 = p1.rotate_left(9);
    *p1 ^= *p0;
    *p0 = p0.rotate_left(27);
    *p0 = p0.wrapping_add(*p1);
    *p1 = p1.rotate_left(19);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marvin64_matches_reference_vectors() {
        assert_eq!(marvin64(b"abc", 0xd53c_d9ce_cd08_93b7), 0x22c7_4339_4927_69bf);
        assert_eq!(marvin64(b"abcdefghijklmnopqrstuvwxyz", 0x0ddd_deee_efff_f000), 0xa128_eb7e_7260_aca2);
        assert_eq!(marvin64(b"", 0x004f_b61a_001b_dbcc), 0x30ed_35c1_00cd_3c7d);
    }

    #[test]
    fn marvin32_folds_the_two_halves() {
        let seed = 0xd53c_d9ce_cd08_93b7;
        assert_eq!(marvin32(b"abc", seed), 0x22c7_4339 ^ 0x4927_69bf);
    }

    #[test]
    fn every_tail_length_changes_the_hash() {
        let seed = 0x4675_6e63_7469_3030;
        let data = b"0123456789";
        let hashes: Vec<u64> = (0..=data.len()).map(|n| marvin64(&data[..n], seed)).collect();
        for (i, a) in hashes.iter().enumerate() {
            assert!(hashes[i + 1..].iter().all(|b| b != a));
        }
        assert_ne!(marvin64(&[0], seed), marvin64(&[0, 0], seed));
    }
}
