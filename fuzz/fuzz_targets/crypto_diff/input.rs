//! Reading decisions from the fuzz input, and the byte-level edits of a signature.
//!
//! Every read succeeds: once the input runs out, reads yield zeros, which the targets treat
//! as the most ordinary choice (a generated key, a valid signature, no edit). So a short
//! input already reaches the signature code, and libFuzzer's mutations extend it.

/// The fuzz input, consumed front to back.
pub struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    pub fn byte(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    /// A choice in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    pub fn u64(&mut self) -> u64 {
        (0..8).fold(0, |acc, _| acc << 8 | u64::from(self.byte()))
    }

    /// Up to `len` bytes: fewer when the input runs out.
    pub fn take(&mut self, len: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        head
    }

    /// Exactly `len` bytes, zero-padded on the left when the input runs out.
    pub fn exact(&mut self, len: usize) -> Vec<u8> {
        let bytes = self.take(len);
        let mut out = vec![0; len - bytes.len()];
        out.extend_from_slice(bytes);
        out
    }

    /// The message to sign: a length byte, then that many bytes.
    pub fn message(&mut self) -> Vec<u8> {
        let len = usize::from(self.byte());
        self.take(len).to_vec()
    }
}

/// Applies up to four edits read from the input: the shapes a transport or an attacker
/// makes of a signature (bit flips, replaced bytes, truncation, extension).
pub fn mutate(input: &mut Input<'_>, signature: &mut Vec<u8>) -> Vec<String> {
    let mut applied = Vec::new();
    for _ in 0..4 {
        let at = usize::from(input.u16());
        let edit = match input.below(8) {
            // Mostly no edit, so that valid signatures stay valid often enough.
            0..=2 => break,
            3 if !signature.is_empty() => {
                let bit = at % (8 * signature.len());
                signature[bit / 8] ^= 0x80 >> (bit % 8);
                format!("flip bit {bit}")
            }
            4 if !signature.is_empty() => {
                let (i, value) = (at % signature.len(), input.byte());
                signature[i] = value;
                format!("byte {i} := {value:#04x}")
            }
            5 => {
                let len = at % (signature.len() + 1);
                signature.truncate(len);
                format!("truncate to {len}")
            }
            6 => {
                let value = input.byte();
                signature.push(value);
                format!("append {value:#04x}")
            }
            _ => {
                signature.insert(0, 0);
                "prepend 0x00".to_owned()
            }
        };
        applied.push(edit);
    }
    applied
}

/// `a + b` for big-endian numbers of one length; `None` on overflow.
pub fn be_add(a: &[u8], b: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0; a.len()];
    let mut carry = 0u16;
    for i in (0..a.len()).rev() {
        let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    (carry == 0).then_some(out)
}
