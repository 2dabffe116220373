//! Key values in the host's "identifiable secret" format, so keys made here
//! are accepted (and recognised by secret scanners) like the host's own.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use rand::rngs::OsRng;
use rand::{RngCore as _, TryRngCore as _};
use secrecy::SecretString;

use super::KeyKind;
use super::marvin::marvin32;

const KEY_BYTES: usize = 40;
const SIGNATURE_AT: usize = 33;
const CHECKSUM_AT: usize = 36;
/// Base64 of these three bytes is `AzFu`, the host's signature for Functions keys.
const SIGNATURE: [u8; 3] = [0x03, 0x31, 0x6E];
/// 40 bytes in base64, `==` padding kept as the host keeps it.
pub const KEY_LEN: usize = 56;

impl KeyKind {
    /// The Marvin seed of this kind: eight ASCII characters read big-endian.
    pub const fn checksum_seed(self) -> u64 {
        let tag = match self {
            KeyKind::Master => b"Master00",
            KeyKind::System => b"System00",
            KeyKind::Function | KeyKind::HostFunction => b"Functi00",
        };
        u64::from_be_bytes(*tag)
    }
}

/// A fresh key of `kind`.
///
/// # Panics
/// If the operating system's random number generator fails, which leaves no
/// safe way to make a key.
pub fn generate_key(kind: KeyKind) -> SecretString {
    let mut bytes = [0u8; KEY_BYTES];
    OsRng.unwrap_err().fill_bytes(&mut bytes[..SIGNATURE_AT]);
    SecretString::from(encode(bytes, kind))
}

fn encode(mut bytes: [u8; KEY_BYTES], kind: KeyKind) -> String {
    bytes[SIGNATURE_AT..CHECKSUM_AT].copy_from_slice(&SIGNATURE);
    let checksum = marvin32(&bytes[..CHECKSUM_AT], kind.checksum_seed());
    bytes[CHECKSUM_AT..].copy_from_slice(&checksum.to_le_bytes());
    URL_SAFE.encode(bytes)
}

/// Whether `key` has the shape, signature and `kind` checksum of a
/// host-generated key. Keys set by hand fail this and are still valid keys:
/// this only tells where a key came from.
pub fn is_host_generated(key: &str, kind: KeyKind) -> bool {
    if key.len() != KEY_LEN {
        return false;
    }
    let mut bytes = [0u8; KEY_BYTES];
    match URL_SAFE.decode_slice(key, &mut bytes) {
        Ok(KEY_BYTES) => {}
        _ => return false,
    }
    let checksum = marvin32(&bytes[..CHECKSUM_AT], kind.checksum_seed());
    bytes[SIGNATURE_AT..CHECKSUM_AT] == SIGNATURE && bytes[CHECKSUM_AT..] == checksum.to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    const KINDS: [KeyKind; 4] = [KeyKind::Master, KeyKind::System, KeyKind::Function, KeyKind::HostFunction];

    #[test]
    fn seeds_are_the_hosts() {
        assert_eq!(KeyKind::Master.checksum_seed(), 0x4d61_7374_6572_3030);
        assert_eq!(KeyKind::System.checksum_seed(), 0x5379_7374_656d_3030);
        assert_eq!(KeyKind::Function.checksum_seed(), 0x4675_6e63_7469_3030);
        assert_eq!(KeyKind::HostFunction.checksum_seed(), 0x4675_6e63_7469_3030);
    }

    #[test]
    fn generated_keys_have_the_hosts_shape() {
        for kind in KINDS {
            let key = generate_key(kind);
            let key = key.expose_secret();
            assert_eq!(key.len(), KEY_LEN);
            assert!(key.ends_with("=="));
            assert_eq!(&key[44..48], "AzFu", "signature sits right before the checksum");
            let body = &key[..KEY_LEN - 2];
            assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert!(matches!(key.as_bytes()[53], b'A' | b'Q' | b'g' | b'w'));
        }
    }

    #[test]
    fn generated_keys_differ() {
        let a = generate_key(KeyKind::Function);
        let b = generate_key(KeyKind::Function);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn checksum_is_marvin32_of_the_first_36_bytes() {
        let key = generate_key(KeyKind::System);
        let bytes = URL_SAFE.decode(key.expose_secret()).unwrap();
        let expected = marvin32(&bytes[..36], KeyKind::System.checksum_seed());
        assert_eq!(bytes[36..], expected.to_le_bytes());
        assert_eq!(bytes[33..36], SIGNATURE);
    }

    #[test]
    fn known_bytes_encode_to_a_fixed_key() {
        // All-zero random part: pins the layout and the checksum byte order.
        let key = encode([0; KEY_BYTES], KeyKind::Function);
        assert!(key.starts_with("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAzFu"));
        let bytes = URL_SAFE.decode(&key).unwrap();
        let checksum = marvin32(&bytes[..36], 0x4675_6e63_7469_3030);
        assert_eq!(u32::from_le_bytes(bytes[36..].try_into().unwrap()), checksum);
    }

    #[test]
    fn checksum_depends_on_the_kind() {
        for kind in KINDS {
            let key = generate_key(kind);
            for other in KINDS {
                let same_seed = kind.checksum_seed() == other.checksum_seed();
                assert_eq!(is_host_generated(key.expose_secret(), other), same_seed);
            }
        }
    }

    #[test]
    fn hand_made_and_damaged_keys_are_not_host_generated() {
        let key = generate_key(KeyKind::Master);
        let key = key.expose_secret();
        assert!(is_host_generated(key, KeyKind::Master));

        let mut flipped = key.as_bytes().to_vec();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        assert!(!is_host_generated(std::str::from_utf8(&flipped).unwrap(), KeyKind::Master));

        assert!(!is_host_generated(key.trim_end_matches('='), KeyKind::Master));
        assert!(!is_host_generated("", KeyKind::Master));
        assert!(!is_host_generated(&"a".repeat(KEY_LEN), KeyKind::Master));
    }
}
