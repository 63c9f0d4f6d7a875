//! Property: no byte string makes any decoder panic, and a failed decode
//! appends nothing.

use forewarn_formats::{Format, decode, encode_arrow_ipc};
use proptest::prelude::*;

use crate::sentinel;

fn check(format: Format, bytes: &[u8]) {
    let mut out = vec![sentinel()];
    match decode(format, bytes, &mut out) {
        Ok(n) => assert_eq!(out.len(), n + 1),
        Err(_) => assert_eq!(out.len(), 1),
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for f in Format::ALL {
            check(f, &bytes);
        }
    }

    #[test]
    fn line_protocol_alphabet(s in "[a-z=,\\\\ \"0-9.iutf#\n-]{0,120}") {
        check(Format::Influx, s.as_bytes());
    }

    #[test]
    fn corrupted_arrow_streams(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let samples = crate::arrow::samples_for_fuzz();
        let mut bytes = encode_arrow_ipc(&samples);
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        check(Format::Arrow, &bytes);
    }
}
