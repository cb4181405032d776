//! Native screen capture for TAKE_SCREENSHOT: every monitor composed into one picture of
//! the desktop (or one chosen monitor), encoded as PNG with fast compression. All of it
//! is blocking work, so callers run it on a blocking thread (`spawn_blocking`).

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, RgbaImage};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("no screen could be found to capture ({0})")]
    NoScreen(String),
    #[error("there is no screen {0}")]
    UnknownScreen(u32),
    #[error("the screen could not be captured: {0}")]
    Capture(String),
    #[error("the screenshot could not be encoded: {0}")]
    Encode(String),
}

/// One monitor, as the consent dialog lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreenInfo {
    pub id: u32,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub primary: bool,
}

/// What to capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureTarget {
    AllScreens,
    Screen(u32),
}

/// A captured screen, ready to preview and upload.
#[derive(Debug, Clone)]
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    pub png: Vec<u8>,
}

pub fn screens() -> Result<Vec<ScreenInfo>, CaptureError> {
    let all = screenshots::Screen::all().map_err(|error| CaptureError::NoScreen(error.to_string()))?;
    Ok(all.iter().map(|screen| info(&screen.display_info)).collect())
}

fn info(display: &screenshots::display_info::DisplayInfo) -> ScreenInfo {
    ScreenInfo {
        id: display.id,
        x: display.x,
        y: display.y,
        width: display.width,
        height: display.height,
        primary: display.is_primary,
    }
}

/// Captures and encodes. Blocking.
pub fn capture(target: CaptureTarget) -> Result<Screenshot, CaptureError> {
    let pixels = capture_pixels(target)?;
    let png = encode_png(&pixels)?;
    Ok(Screenshot {
        width: pixels.width(),
        height: pixels.height(),
        png,
    })
}

/// Captures raw pixels. Blocking.
pub fn capture_pixels(target: CaptureTarget) -> Result<RgbaImage, CaptureError> {
    let all = screenshots::Screen::all().map_err(|error| CaptureError::NoScreen(error.to_string()))?;
    if all.is_empty() {
        return Err(CaptureError::NoScreen("the display reports no monitors".into()));
    }
    let chosen: Vec<_> = match target {
        CaptureTarget::AllScreens => all,
        CaptureTarget::Screen(id) => {
            let one: Vec<_> = all.into_iter().filter(|screen| screen.display_info.id == id).collect();
            if one.is_empty() {
                return Err(CaptureError::UnknownScreen(id));
            }
            one
        }
    };
    let mut shots = Vec::with_capacity(chosen.len());
    for screen in &chosen {
        let shot = screen.capture().map_err(|error| CaptureError::Capture(error.to_string()))?;
        let (width, height) = shot.dimensions();
        // `screenshots` is built on image 0.24; move the pixels across without copying.
        let pixels = RgbaImage::from_raw(width, height, shot.into_raw())
            .ok_or_else(|| CaptureError::Capture("the capture returned a short buffer".into()))?;
        shots.push((info(&screen.display_info), pixels));
    }
    if shots.len() == 1 {
        return Ok(shots.remove(0).1);
    }
    Ok(compose(shots))
}

/// Lays monitors out as the desktop has them; gaps stay transparent.
fn compose(shots: Vec<(ScreenInfo, RgbaImage)>) -> RgbaImage {
    let left = shots.iter().map(|(screen, _)| screen.x).min().unwrap_or(0);
    let top = shots.iter().map(|(screen, _)| screen.y).min().unwrap_or(0);
    let right = shots
        .iter()
        .map(|(screen, pixels)| screen.x + pixels.width() as i32)
        .max()
        .unwrap_or(0);
    let bottom = shots
        .iter()
        .map(|(screen, pixels)| screen.y + pixels.height() as i32)
        .max()
        .unwrap_or(0);
    let mut desktop = RgbaImage::new((right - left).max(1) as u32, (bottom - top).max(1) as u32);
    for (screen, pixels) in shots {
        image::imageops::replace(&mut desktop, &pixels, i64::from(screen.x - left), i64::from(screen.y - top));
    }
    desktop
}

/// PNG with fast compression: a screenshot is uploaded once, so encode time matters
/// more than a few percent of size.
pub fn encode_png(pixels: &RgbaImage) -> Result<Vec<u8>, CaptureError> {
    let mut out = Cursor::new(Vec::with_capacity(pixels.as_raw().len() / 4));
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
        .write_image(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|error| CaptureError::Encode(error.to_string()))?;
    Ok(out.into_inner())
}

/// A small PNG `data:` URL for the consent dialog's preview.
pub fn preview_data_url(png: &[u8], max_width: u32) -> Result<String, CaptureError> {
    use base64::Engine as _;
    let full = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map_err(|error| CaptureError::Encode(error.to_string()))?
        .into_rgba8();
    let scale = f64::from(max_width) / f64::from(full.width().max(1));
    let small = if scale < 1.0 {
        let height = ((f64::from(full.height()) * scale).round() as u32).max(1);
        image::imageops::thumbnail(&full, max_width, height)
    } else {
        full
    };
    let encoded = encode_png(&small)?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(encoded)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitors_are_composed_at_their_desktop_positions() {
        let red = RgbaImage::from_pixel(4, 2, image::Rgba([255, 0, 0, 255]));
        let blue = RgbaImage::from_pixel(2, 3, image::Rgba([0, 0, 255, 255]));
        let at = |id, x, y, pixels: &RgbaImage| ScreenInfo {
            id,
            x,
            y,
            width: pixels.width(),
            height: pixels.height(),
            primary: id == 1,
        };
        let desktop = compose(vec![(at(1, 0, 0, &red), red.clone()), (at(2, 4, 0, &blue), blue.clone())]);
        assert_eq!(desktop.dimensions(), (6, 3));
        assert_eq!(desktop.get_pixel(0, 0).0, [255, 0, 0, 255]);
        assert_eq!(desktop.get_pixel(5, 2).0, [0, 0, 255, 255]);
        assert_eq!(desktop.get_pixel(0, 2).0[3], 0, "the gap stays transparent");
    }

    #[test]
    fn encoding_round_trips_and_the_preview_is_small() {
        let pixels = RgbaImage::from_fn(800, 600, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 7, 255]));
        let png = encode_png(&pixels).unwrap();
        let decoded = image::load_from_memory(&png).unwrap().into_rgba8();
        assert_eq!(decoded, pixels);
        let preview = preview_data_url(&png, 200).unwrap();
        assert!(preview.starts_with("data:image/png;base64,"));
    }
}
