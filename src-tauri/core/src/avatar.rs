//! Agent pictures arrive as base64 in SQS messages and session details. They are checked
//! to be a small image of a known kind before the UI gets them as a data URL: anything
//! else (invalid base64, HTML, a 5 MB blob) is dropped and the UI shows initials.

use base64::Engine as _;

/// Decoded images above this are refused: an avatar is a few kilobytes.
pub const MAX_AVATAR_BYTES: usize = 512 * 1024;

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
    let mime = image_kind(&bytes)?;
    Some(format!("data:{mime};base64,{compact}"))
}

fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
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
    fn an_oversized_image_is_refused_without_decoding() {
        let huge = "A".repeat(5 * 1024 * 1024);
        assert_eq!(avatar_data_url(&huge), None);
    }
}
