//! Windows and macOS: the app reads the monitors itself with `xcap`, silently, no
//! dialog, each monitor as the windowing system has it. (Linux: `x11.rs`.)

use image::RgbaImage;
use xcap::Monitor;

use super::{compose, CaptureError, CaptureTarget, ScreenInfo};

pub fn screens() -> Result<Vec<ScreenInfo>, CaptureError> {
    monitors()?.iter().map(info).collect()
}

fn monitors() -> Result<Vec<Monitor>, CaptureError> {
    let all = Monitor::all().map_err(|error| CaptureError::NoScreen(error.to_string()))?;
    if all.is_empty() {
        return Err(CaptureError::NoScreen("the display reports no monitors".into()));
    }
    Ok(all)
}

fn info(monitor: &Monitor) -> Result<ScreenInfo, CaptureError> {
    let read = |error: xcap::XCapError| CaptureError::NoScreen(error.to_string());
    Ok(ScreenInfo {
        id: monitor.id().map_err(read)?,
        x: monitor.x().map_err(read)?,
        y: monitor.y().map_err(read)?,
        width: monitor.width().map_err(read)?,
        height: monitor.height().map_err(read)?,
        primary: monitor.is_primary().map_err(read)?,
    })
}

/// Captures raw pixels: one monitor, or all of them composed. Blocking.
pub fn capture_pixels(target: CaptureTarget) -> Result<RgbaImage, CaptureError> {
    let mut chosen = Vec::new();
    for monitor in monitors()? {
        let screen = info(&monitor)?;
        if target == CaptureTarget::AllScreens || target == CaptureTarget::Screen(screen.id) {
            chosen.push((screen, monitor));
        }
    }
    if chosen.is_empty() {
        let CaptureTarget::Screen(id) = target else {
            return Err(CaptureError::NoScreen("the display reports no monitors".into()));
        };
        return Err(CaptureError::UnknownScreen(id));
    }
    let mut shots = Vec::with_capacity(chosen.len());
    for (screen, monitor) in chosen {
        let pixels = monitor.capture_image().map_err(|error| CaptureError::Capture(error.to_string()))?;
        shots.push((screen, pixels));
    }
    if shots.len() == 1 {
        return Ok(shots.remove(0).1);
    }
    Ok(compose(shots))
}
