//! Screen capture for TAKE_SCREENSHOT: the whole desktop (or one chosen monitor) as a
//! PNG. Two ways to the pixels, picked by the session the app runs in:
//! - a Wayland session asks the desktop, through the xdg-desktop-portal Screenshot
//!   interface, in one request for the whole desktop (`portal.rs`): Wayland lets no
//!   client read the screen itself, and GNOME refuses its own screenshot interface to
//!   other programs;
//! - everything else reads the monitors itself, silently, and composes them as the
//!   desktop lays them out: X11 with RandR and GetImage (`x11.rs`), Windows and macOS
//!   with `xcap` (`native.rs`).

#[cfg(not(target_os = "linux"))]
mod native;
#[cfg(target_os = "linux")]
mod portal;
#[cfg(target_os = "linux")]
mod x11;
#[cfg(target_os = "linux")]
use x11 as native;

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
    /// The customer said no in the desktop's own dialog.
    #[error("the screenshot was cancelled")]
    Cancelled,
    /// The desktop refused (its permission for this app is off, or its dialog failed).
    #[error("the desktop did not allow the screenshot")]
    Denied,
}

/// How this session's screen is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The app reads the monitors itself.
    Native,
    /// The desktop takes the picture (xdg-desktop-portal).
    Portal,
}

impl Backend {
    /// From the session the desktop started us in. The session type, not the toolkit's
    /// backend, decides: under XWayland an X11 read of the screen sees only X windows.
    pub fn of_this_session() -> Self {
        let variable = |name| std::env::var(name).ok();
        Self::for_session(variable("XDG_SESSION_TYPE").as_deref(), variable("WAYLAND_DISPLAY").as_deref())
    }

    fn for_session(session_type: Option<&str>, wayland_display: Option<&str>) -> Self {
        if !cfg!(target_os = "linux") {
            return Backend::Native;
        }
        let present = |value: Option<&str>| value.is_some_and(|value| !value.trim().is_empty());
        match session_type.map(str::trim) {
            Some(kind) if kind.eq_ignore_ascii_case("wayland") => Backend::Portal,
            Some(kind) if kind.eq_ignore_ascii_case("x11") => Backend::Native,
            // No session type (a bare start, some display managers): a Wayland display
            // means a Wayland desktop.
            _ if present(wayland_display) => Backend::Portal,
            _ => Backend::Native,
        }
    }
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

/// The app's window, as xdg-desktop-portal names windows, so that a dialog the desktop
/// shows for a capture (GNOME's permission question) belongs to it: an X11 window id, or
/// a Wayland surface's handle exported through xdg-foreign. The shell finds it; the
/// native capture has no dialog and ignores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentWindow {
    X11(u64),
    Wayland(String),
}

impl std::fmt::Display for ParentWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParentWindow::X11(xid) => write!(f, "x11:{xid:x}"),
            ParentWindow::Wayland(handle) => write!(f, "wayland:{handle}"),
        }
    }
}

/// A captured screen, ready to preview and upload.
#[derive(Debug, Clone)]
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    pub png: Vec<u8>,
}

/// The monitors the customer may choose from. Empty where the desktop takes the picture:
/// the portal gives the whole desktop, and there is nothing to choose.
pub fn screens() -> Result<Vec<ScreenInfo>, CaptureError> {
    match Backend::of_this_session() {
        Backend::Native => native::screens(),
        Backend::Portal => Ok(Vec::new()),
    }
}

/// Captures and encodes. Native reading and encoding run on a blocking thread; the
/// portal's dialog, if the desktop shows one, belongs to `parent`.
pub async fn capture(target: CaptureTarget, parent: Option<ParentWindow>) -> Result<Screenshot, CaptureError> {
    match Backend::of_this_session() {
        Backend::Native => tokio::task::spawn_blocking(move || capture_natively(target))
            .await
            .unwrap_or_else(|join| Err(CaptureError::Capture(join.to_string()))),
        #[cfg(target_os = "linux")]
        Backend::Portal => {
            let png = portal::screenshot(parent).await?;
            let (width, height) = png_size(&png)?;
            Ok(Screenshot { width, height, png })
        }
        #[cfg(not(target_os = "linux"))]
        Backend::Portal => {
            let _ = parent;
            Err(CaptureError::NoScreen("no screenshot portal on this system".into()))
        }
    }
}

/// The monitors' raw pixels, read natively (the benchmarks measure this). Blocking.
pub use native::capture_pixels;

/// Reads the monitors and encodes them. Blocking.
pub fn capture_natively(target: CaptureTarget) -> Result<Screenshot, CaptureError> {
    let pixels = native::capture_pixels(target)?;
    let png = encode_png(&pixels)?;
    Ok(Screenshot { width: pixels.width(), height: pixels.height(), png })
}

/// A PNG's size from its header, without decoding it (the portal hands over a file).
#[cfg(target_os = "linux")]
fn png_size(png: &[u8]) -> Result<(u32, u32), CaptureError> {
    image::ImageReader::with_format(Cursor::new(png), image::ImageFormat::Png)
        .into_dimensions()
        .map_err(|error| CaptureError::Capture(format!("the desktop's picture is not a PNG: {error}")))
}

/// Lays monitors out as the desktop has them; gaps stay transparent.
pub(crate) fn compose(shots: Vec<(ScreenInfo, RgbaImage)>) -> RgbaImage {
    let left = shots.iter().map(|(screen, _)| screen.x).min().unwrap_or(0);
    let top = shots.iter().map(|(screen, _)| screen.y).min().unwrap_or(0);
    let right = shots.iter().map(|(screen, pixels)| screen.x + pixels.width() as i32).max().unwrap_or(0);
    let bottom = shots.iter().map(|(screen, pixels)| screen.y + pixels.height() as i32).max().unwrap_or(0);
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
        .write_image(pixels.as_raw(), pixels.width(), pixels.height(), image::ExtendedColorType::Rgba8)
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
    Ok(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(encoded)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wayland_session_asks_the_desktop_and_an_x11_one_reads_the_screen() {
        let portal = if cfg!(target_os = "linux") { Backend::Portal } else { Backend::Native };
        assert_eq!(Backend::for_session(Some("wayland"), Some("wayland-0")), portal);
        assert_eq!(Backend::for_session(Some("Wayland"), None), portal);
        assert_eq!(
            Backend::for_session(Some("x11"), Some("wayland-0")),
            Backend::Native,
            "XWayland apps in an X session"
        );
        assert_eq!(Backend::for_session(Some("x11"), None), Backend::Native);
        assert_eq!(Backend::for_session(None, Some("wayland-1")), portal);
        assert_eq!(Backend::for_session(Some("tty"), Some(" ")), Backend::Native);
        assert_eq!(Backend::for_session(None, None), Backend::Native);
    }

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
