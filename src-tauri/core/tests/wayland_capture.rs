//! Screen capture on a real Wayland desktop: headless sway with xdg-desktop-portal and its
//! wlr backend, started by tests/wayland/session.sh, which tests/lib/test-session.sh runs
//! this file under (`--ignored`: outside such a session there is no portal to ask).
//! `XIMA_WAYLAND_EXPECT` says what the desktop shows: `800x600 #00ff00`.

use xima_chat_core::capture::{self, Backend, CaptureTarget};

/// The size and colour the session's desktop was given.
fn expected() -> ((u32, u32), [u8; 3]) {
    let given = std::env::var("XIMA_WAYLAND_EXPECT").expect("XIMA_WAYLAND_EXPECT: the desktop's size and colour");
    let (size, colour) = given.split_once(' ').expect("`WxH #rrggbb`");
    let (width, height) = size.split_once('x').expect("WxH");
    let channel = |at: usize| u8::from_str_radix(&colour[at..at + 2], 16).expect("#rrggbb");
    ((width.parse().unwrap(), height.parse().unwrap()), [channel(1), channel(3), channel(5)])
}

#[tokio::test]
#[ignore = "needs a Wayland desktop with the Screenshot portal: tests/wayland/session.sh"]
async fn on_wayland_the_desktop_takes_the_whole_screen_in_one_request() {
    let ((width, height), colour) = expected();
    assert_eq!(Backend::of_this_session(), Backend::Portal, "a Wayland session asks the desktop");
    assert_eq!(capture::screens().unwrap(), [], "the whole desktop: nothing to choose");

    let shot = capture::capture(CaptureTarget::AllScreens, None).await.expect("the portal answers");

    assert_eq!((shot.width, shot.height), (width, height));
    let pixels = image::load_from_memory(&shot.png).expect("a PNG").into_rgb8();
    assert_eq!(pixels.dimensions(), (width, height));
    let off = pixels.pixels().filter(|pixel| pixel.0 != colour).count();
    assert_eq!(off, 0, "every pixel is the desktop's background {colour:?}");
}
