//! Agent pictures arrive as base64 in SQS messages and session details. They are checked
//! to be a small PNG before the UI gets them as a data URL: anything else (invalid
//! base64, HTML, a 5 MB blob, a picture too big to draw) is dropped and the UI shows
//! initials.

use std::io::Cursor;

use base64::Engine as _;
use image::{ImageFormat, ImageReader, Limits};

/// Decoded images above this are refused: an avatar is a few kilobytes.
pub const MAX_AVATAR_BYTES: usize = 512 * 1024;

/// Pictures wider or taller than this are refused. A few kilobytes of PNG can inflate to
/// a bitmap of hundreds of megabytes, which kills WebKit's web process on small kiosk
/// hardware; the window draws an avatar at a few dozen pixels.
pub const MAX_AVATAR_SIDE: u32 = 512;

/// A validated `data:` URL the UI can put in an `<img src>`.
pub fn avatar_data_url(encoded: &str) -> Option<String> {
    // A data URL, or the vendor's own `data:image/png;base64;` (a `;` for the `,`).
    let payload = match encoded.trim().split_once("base64,").or_else(|| encoded.trim().split_once("base64;")) {
        Some((prefix, rest)) if prefix.starts_with("data:") => rest,
        _ => encoded.trim(),
    };
    // Base64 of MAX_AVATAR_BYTES is 4/3 as long; refuse before decoding anything larger.
    if payload.len() > MAX_AVATAR_BYTES / 3 * 4 + 8 {
        return None;
    }
    let compact: String = payload.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.as_bytes()))
        .ok()?;
    is_small_png(&bytes).then(|| format!("data:image/png;base64,{compact}"))
}

/// Whether `bytes` are a PNG whose header says it is at most [`MAX_AVATAR_SIDE`] a side.
/// Only the header is read, so a bomb is refused before any of it is inflated. PNG only:
/// it is what the vendor's API sends, and the only kind this build's `image` reads (its
/// `png` feature); a picture whose size cannot be read is not shown.
fn is_small_png(bytes: &[u8]) -> bool {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    reader.limits(avatar_limits());
    reader.into_dimensions().is_ok_and(|(width, height)| width <= MAX_AVATAR_SIDE && height <= MAX_AVATAR_SIDE)
}

fn avatar_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_AVATAR_SIDE);
    limits.max_image_height = Some(MAX_AVATAR_SIDE);
    // Chunks before the pixels (an ICC profile) are inflated while the header is read;
    // an honest avatar's need a fraction of this.
    limits.max_alloc = Some(4 * MAX_AVATAR_BYTES as u64);
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    #[test]
    fn a_png_becomes_a_data_url() {
        let url = avatar_data_url(PNG_1X1).expect("valid PNG");
        assert!(url.starts_with("data:image/png;base64,iVBOR"));
        assert_eq!(avatar_data_url(&format!("data:image/png;base64,{PNG_1X1}")), Some(url.clone()));
        assert_eq!(avatar_data_url(&format!("data:image/png;base64;{PNG_1X1}")), Some(url));
    }

    #[test]
    fn the_vendors_truncated_example_and_non_images_are_refused() {
        assert_eq!(avatar_data_url("iVBORw0KGgoAAAANSUhEUg...ruPfsj78onZEAAAAASUVORK5CYII="), None);
        let html = base64::engine::general_purpose::STANDARD.encode("<script>alert(1)</script>");
        assert_eq!(avatar_data_url(&html), None);
        assert_eq!(avatar_data_url("%%%not base64%%%"), None);
    }

    #[test]
    fn a_png_that_inflates_to_11000_pixels_a_side_is_refused_and_a_64_pixel_one_shown() {
        let bomb = black_png(11_000, 11_000);
        assert!(bomb.len() < MAX_AVATAR_BYTES, "small enough to pass the size check: {} bytes", bomb.len());
        assert!(avatar_data_url(&base64_of(&bomb)).is_none(), "the bomb was let through");

        let small = black_png(64, 64);
        let decoded = image::load_from_memory(&small).expect("the test's PNGs are real PNGs");
        assert_eq!((decoded.width(), decoded.height()), (64, 64));
        assert!(avatar_data_url(&base64_of(&small)).is_some_and(|url| url.starts_with("data:image/png;base64,")));
    }

    #[test]
    fn avatars_up_to_512_pixels_a_side_are_shown() {
        let shown = |width, height| avatar_data_url(&base64_of(&black_png(width, height))).is_some();
        assert!(shown(512, 512));
        assert!(!shown(513, 8), "too wide");
        assert!(!shown(8, 513), "too tall");
    }

    #[test]
    fn an_oversized_image_is_refused_without_decoding() {
        let huge = "A".repeat(5 * 1024 * 1024);
        assert_eq!(avatar_data_url(&huge), None);
    }

    fn base64_of(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// A real, all-black PNG of 1-bit greys. Zeros deflate about 1000 to 1, so an
    /// 11000×11000 one is under 100 KB: the shape of a decompression bomb.
    fn black_png(width: u32, height: u32) -> Vec<u8> {
        let row_bytes = 1 + (width as usize).div_ceil(8); // a filter byte, then 8 pixels a byte
        let mut header = [width.to_be_bytes(), height.to_be_bytes()].concat();
        header.extend([1, 0, 0, 0, 0]); // 1 bit, greyscale, deflate, no filter change, no interlace
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png_chunk(&mut png, b"IHDR", &header);
        png_chunk(&mut png, b"IDAT", &zlib_of_zeros(row_bytes * height as usize));
        png_chunk(&mut png, b"IEND", &[]);
        png
    }

    fn png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        png.extend((data.len() as u32).to_be_bytes());
        png.extend(kind);
        png.extend(data);
        png.extend(crc32(&[kind.as_slice(), data].concat()).to_be_bytes());
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// `count` zero bytes as one fixed-Huffman deflate block: a literal 0, then "258
    /// more of the byte before" as often as fits, then literals.
    fn zlib_of_zeros(count: usize) -> Vec<u8> {
        let mut out = Bits::default();
        out.push(0b1, 1); // the final block
        out.push(0b01, 2); // fixed Huffman codes
        let literal_zero = || (0x30, 8);
        let (length_258, distance_1, end_of_block) = ((0xC5, 8), (0, 5), (0, 7));
        let mut left = count;
        if left > 0 {
            out.code(literal_zero());
            left -= 1;
        }
        while left >= 258 {
            out.code(length_258);
            out.code(distance_1);
            left -= 258;
        }
        for _ in 0..left {
            out.code(literal_zero());
        }
        out.code(end_of_block);
        // Adler-32 of zeros: a stays 1, b adds 1 per byte.
        let adler = (((count % 65_521) as u32) << 16) | 1;
        [vec![0x78, 0x01], out.bytes, adler.to_be_bytes().to_vec()].concat()
    }

    /// Deflate's bit order: values go in least significant bit first, Huffman codes
    /// most significant bit first.
    #[derive(Default)]
    struct Bits {
        bytes: Vec<u8>,
        used: u32,
    }

    impl Bits {
        fn push(&mut self, value: u32, count: u32) {
            for bit in 0..count {
                if self.used.is_multiple_of(8) {
                    self.bytes.push(0);
                }
                let last = self.bytes.len() - 1;
                self.bytes[last] |= (((value >> bit) & 1) as u8) << (self.used % 8);
                self.used += 1;
            }
        }

        fn code(&mut self, (code, length): (u32, u32)) {
            self.push(code.reverse_bits() >> (32 - length), length);
        }
    }
}
