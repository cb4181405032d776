//! X11: the app reads the screen itself, with a connection of its own for each call (a
//! connection kept for the process, as xcap 0.4 keeps one, would outlive the display it
//! was opened on: a test's Xvfb, an X server restarted under a long-running app). RandR
//! lists the monitors; a core-protocol GetImage reads each one from the root window.

use image::RgbaImage;
use xcb::{randr, x, Xid};

use super::{compose, CaptureError, CaptureTarget, ScreenInfo};

struct Display {
    connection: xcb::Connection,
    root: x::Window,
}

fn open() -> Result<Display, CaptureError> {
    let (connection, screen) = xcb::Connection::connect_with_extensions(None, &[xcb::Extension::RandR], &[])
        .map_err(|error| CaptureError::NoScreen(format!("no X display: {error}")))?;
    let root = connection
        .get_setup()
        .roots()
        .nth(usize::try_from(screen).unwrap_or(0))
        .map(|screen| screen.root())
        .ok_or_else(|| CaptureError::NoScreen("the X display has no screen".into()))?;
    Ok(Display { connection, root })
}

pub fn screens() -> Result<Vec<ScreenInfo>, CaptureError> {
    monitors(&open()?)
}

fn monitors(display: &Display) -> Result<Vec<ScreenInfo>, CaptureError> {
    let asked = display.connection.send_request(&randr::GetMonitors { window: display.root, get_active: true });
    let reply = display
        .connection
        .wait_for_reply(asked)
        .map_err(|error| CaptureError::NoScreen(format!("the X display lists no monitors: {error}")))?;
    let screens: Vec<ScreenInfo> = reply
        .monitors()
        .map(|monitor| ScreenInfo {
            // The output's id, as `screenshots` and xcap numbered monitors before.
            id: monitor.outputs().first().map_or(monitor.name().resource_id(), |output| output.resource_id()),
            x: i32::from(monitor.x()),
            y: i32::from(monitor.y()),
            width: u32::from(monitor.width()),
            height: u32::from(monitor.height()),
            primary: monitor.primary(),
        })
        .collect();
    if screens.is_empty() {
        return Err(CaptureError::NoScreen("the display reports no monitors".into()));
    }
    Ok(screens)
}

/// One monitor, or all of them composed. Blocking.
pub fn capture_pixels(target: CaptureTarget) -> Result<RgbaImage, CaptureError> {
    let display = open()?;
    let chosen: Vec<ScreenInfo> = monitors(&display)?
        .into_iter()
        .filter(|screen| target == CaptureTarget::AllScreens || target == CaptureTarget::Screen(screen.id))
        .collect();
    if let (CaptureTarget::Screen(id), true) = (target, chosen.is_empty()) {
        return Err(CaptureError::UnknownScreen(id));
    }
    let mut shots = Vec::with_capacity(chosen.len());
    for screen in chosen {
        let pixels = read(&display, &screen)?;
        shots.push((screen, pixels));
    }
    if shots.len() == 1 {
        return Ok(shots.remove(0).1);
    }
    Ok(compose(shots))
}

fn read(display: &Display, screen: &ScreenInfo) -> Result<RgbaImage, CaptureError> {
    let failed = |error: xcb::Error| CaptureError::Capture(error.to_string());
    let size =
        |value: u32| u16::try_from(value).map_err(|_| CaptureError::Capture("a monitor larger than X can send".into()));
    let asked = display.connection.send_request(&x::GetImage {
        format: x::ImageFormat::ZPixmap,
        drawable: x::Drawable::Window(display.root),
        x: i16::try_from(screen.x).unwrap_or(0),
        y: i16::try_from(screen.y).unwrap_or(0),
        width: size(screen.width)?,
        height: size(screen.height)?,
        plane_mask: u32::MAX,
    });
    let reply = display.connection.wait_for_reply(asked).map_err(failed)?;
    let setup = display.connection.get_setup();
    let bits_per_pixel = setup
        .pixmap_formats()
        .iter()
        .find(|format| format.depth() == reply.depth())
        .map(|format| format.bits_per_pixel());
    if !matches!(reply.depth(), 24 | 32) || bits_per_pixel != Some(32) {
        return Err(CaptureError::Capture(format!(
            "a {}-bit display cannot be read (24 or 32 bits only)",
            reply.depth()
        )));
    }
    let rgba = to_rgba(reply.data(), setup.image_byte_order() == x::ImageOrder::LsbFirst);
    RgbaImage::from_raw(screen.width, screen.height, rgba)
        .ok_or_else(|| CaptureError::Capture("the X server sent a short picture".into()))
}

/// 32-bit pixels (`BGRX` in little-endian byte order, `XRGB` in big) as opaque RGBA.
fn to_rgba(data: &[u8], little_endian: bool) -> Vec<u8> {
    let mut rgba = Vec::with_capacity(data.len());
    for pixel in data.chunks_exact(4) {
        let [r, g, b] = if little_endian { [pixel[2], pixel[1], pixel[0]] } else { [pixel[1], pixel[2], pixel[3]] };
        rgba.extend_from_slice(&[r, g, b, 255]);
    }
    rgba
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_two_bit_pixels_become_opaque_rgba_in_either_byte_order() {
        let little = [0x30, 0x20, 0x10, 0x00, 0x03, 0x02, 0x01, 0xff];
        assert_eq!(to_rgba(&little, true), [0x10, 0x20, 0x30, 255, 0x01, 0x02, 0x03, 255]);
        let big = [0x00, 0x10, 0x20, 0x30];
        assert_eq!(to_rgba(&big, false), [0x10, 0x20, 0x30, 255]);
    }
}
