//! The tray icon: brings the window back (a live chat keeps going while the window is
//! closed to the tray) and shows how many agent messages are unread. It knows the
//! window; the window knows only whether there is a tray, and the unread count reaches
//! the icon through `Attention`'s callback.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::AppHandle;

use crate::window;

const TRAY_ID: &str = "main";

/// Builds the tray icon; `false` when this desktop has none. On Linux the tray needs
/// the AppIndicator library, which `libappindicator` loads at run time and panics
/// without: a missing tray must not take the chat down with it.
pub fn install(app: &AppHandle) -> bool {
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(app)));
    match built {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!(%error, "no tray icon");
            false
        }
        Err(_) => {
            tracing::warn!("no tray icon: this desktop has no AppIndicator library");
            false
        }
    }
}

fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open chat", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Xima Chat")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => window::bring_to_front(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::bring_to_front(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Redraws the icon with a badge and says the count in the tooltip (title on Linux,
/// where tray tooltips do not exist).
pub fn show_unread(app: &AppHandle, unread: u32) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return };
    let Some(icon) = app.default_window_icon() else { return };
    let label = match unread {
        0 => "Xima Chat".to_owned(),
        1 => "Xima Chat: 1 unread message".to_owned(),
        n => format!("Xima Chat: {n} unread messages"),
    };
    let image = if unread == 0 {
        icon.clone().to_owned()
    } else {
        let rgba = with_badge(icon.rgba(), icon.width(), icon.height());
        Image::new_owned(rgba, icon.width(), icon.height())
    };
    let outcome = tray
        .set_icon(Some(image))
        .and_then(|()| tray.set_tooltip(Some(&label)))
        .and_then(|()| tray.set_title(if unread == 0 { None } else { Some(unread.to_string()) }));
    if let Err(error) = outcome {
        tracing::debug!(%error, "could not update the tray icon");
    }
}

const BADGE_RED: [u8; 4] = [0xd9, 0x2d, 0x20, 0xff];
const BADGE_RIM: [u8; 4] = [0xff, 0xff, 0xff, 0xff];

/// The icon with a red dot in its top-right corner, a white rim setting it off from
/// whatever colour the icon has there.
pub fn with_badge(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = rgba.to_vec();
    let size = width.min(height) as f32;
    let radius = size * 0.28;
    let rim = radius + (size * 0.06).max(1.0);
    let (cx, cy) = (width as f32 - rim, rim);
    for y in 0..height {
        for x in 0..width {
            let distance = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let colour = if distance <= radius {
                BADGE_RED
            } else if distance <= rim {
                BADGE_RIM
            } else {
                continue;
            };
            let at = ((y * width + x) * 4) as usize;
            if let Some(pixel) = out.get_mut(at..at + 4) {
                pixel.copy_from_slice(&colour);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(rgba: &[u8], width: u32, x: u32, y: u32) -> [u8; 4] {
        let at = ((y * width + x) * 4) as usize;
        rgba[at..at + 4].try_into().unwrap()
    }

    #[test]
    fn the_badge_is_a_red_dot_in_the_top_right_corner_only() {
        let blue = [0x20, 0x60, 0xd0, 0xff];
        let icon: Vec<u8> = blue.repeat(32 * 32);
        let badged = with_badge(&icon, 32, 32);
        assert_eq!(badged.len(), icon.len());
        assert_eq!(pixel(&badged, 32, 25, 7), BADGE_RED, "centre of the dot");
        assert_eq!(pixel(&badged, 32, 2, 30), blue, "bottom-left untouched");
        assert_eq!(pixel(&badged, 32, 2, 2), blue, "top-left untouched");
        // About a quarter of the icon: readable at 16 px, the icon still recognisable.
        let red = badged.chunks(4).filter(|p| *p == BADGE_RED).count() as f32 / (32.0 * 32.0);
        assert!((0.15..=0.35).contains(&red), "a dot, not a smear: {red:.2} of the icon is red");
    }

    #[test]
    fn a_short_buffer_is_not_written_past_its_end() {
        let badged = with_badge(&[0; 16], 32, 32);
        assert_eq!(badged.len(), 16);
    }
}
