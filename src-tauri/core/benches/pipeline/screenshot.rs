//! TAKE_SCREENSHOT's steps on the screen of $DISPLAY, each timed on its own: capture,
//! PNG encode, base64, the consent dialog's preview, and the upload to the simulator.
//! What the screen shows is up to the caller (tests/bench/bench.py fills it with text
//! windows): PNG encoding time depends on the content.

use std::time::{Duration, Instant};

use image::{Rgba, RgbaImage};
use serde_json::json;
use xima_chat_core::capture::{self, CaptureTarget};
use xima_chat_core::screenshot_body;

use crate::services::Services;
use crate::{ms, progress, report};

/// The blocking steps of one run, as the app does them on a blocking thread.
struct LocalSteps {
    capture: Duration,
    encode: Duration,
    base64: Duration,
    preview: Duration,
    width: u32,
    height: u32,
    png: Vec<u8>,
}

pub async fn run(runs: usize) {
    let cloud = Services::from_env().cloud();
    let mut all: Vec<(LocalSteps, Duration)> = Vec::with_capacity(runs);
    // The first run opens the X connection and warms caches; it is not counted.
    for run in 0..=runs {
        let steps = tokio::task::spawn_blocking(local_steps).await.expect("the capture thread");
        let started = Instant::now();
        cloud.upload_screenshot(&steps.png).await.expect("the simulator takes the upload");
        let upload = started.elapsed();
        if run > 0 {
            all.push((steps, upload));
        }
    }
    let (width, height) = (all[0].0.width, all[0].0.height);
    progress(&format!("screenshot {width}x{height}: {runs} runs"));
    let median_of = |pick: &dyn Fn(&(LocalSteps, Duration)) -> Duration| median(all.iter().map(pick).collect());
    let worst_case =
        tokio::task::spawn_blocking(move || photo_like_encode(width, height, runs)).await.expect("the encode thread");
    report(
        "screenshot",
        json!({
            "width": width,
            "height": height,
            "runs": runs,
            "png_bytes": all[0].0.png.len(),
            "capture_ms": ms(median_of(&|(steps, _)| steps.capture)),
            "encode_ms": ms(median_of(&|(steps, _)| steps.encode)),
            "capture_encode_ms": ms(median_of(&|(steps, _)| steps.capture + steps.encode)),
            "capture_encode_max_ms": ms(all
                .iter()
                .map(|(steps, _)| steps.capture + steps.encode)
                .max()
                .unwrap_or_default()),
            "base64_ms": ms(median_of(&|(steps, _)| steps.base64)),
            "preview_ms": ms(median_of(&|(steps, _)| steps.preview)),
            "upload_ms": ms(median_of(&|(_, upload)| *upload)),
            "photo_like_encode_ms": ms(worst_case.0),
            "photo_like_png_bytes": worst_case.1,
        }),
    );
}

fn local_steps() -> LocalSteps {
    let started = Instant::now();
    let pixels = capture::capture_pixels(CaptureTarget::AllScreens).expect("the screen can be captured");
    let capture = started.elapsed();

    let started = Instant::now();
    let png = capture::encode_png(&pixels).expect("the PNG encodes");
    let encode = started.elapsed();

    let started = Instant::now();
    let body = screenshot_body(&png);
    let base64 = started.elapsed();
    std::hint::black_box(body);

    let started = Instant::now();
    let preview = capture::preview_data_url(&png, 640).expect("the preview encodes");
    let preview_took = started.elapsed();
    std::hint::black_box(preview);

    LocalSteps { capture, encode, base64, preview: preview_took, width: pixels.width(), height: pixels.height(), png }
}

/// Encode time for a picture PNG compresses badly (smooth gradients with sensor-like
/// noise, as in a photo): the upper end of what a screen can cost.
fn photo_like_encode(width: u32, height: u32, runs: usize) -> (Duration, usize) {
    let mut rng = fastrand::Rng::with_seed(7);
    let pixels = RgbaImage::from_fn(width, height, |x, y| {
        let noise = rng.u8(0..24);
        let r = (x * 255 / width) as u8;
        let g = (y * 255 / height) as u8;
        let b = ((x + y) % 256) as u8;
        Rgba([r.saturating_add(noise), g.saturating_add(noise / 2), b ^ noise, 255])
    });
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        size = capture::encode_png(&pixels).expect("the PNG encodes").len();
        times.push(started.elapsed());
    }
    (median(times), size)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
