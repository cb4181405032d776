//! The tray icon: brings the window back (a live chat keeps going while the window is
//! closed to the tray) and shows how many agent messages are unread. It knows the
//! window; the window knows only whether there is a tray, and the unread count reaches
//! the icon through `Attention`'s callback.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

use xima_chat_core::Words;

use crate::tray_host::TrayHost;
use crate::window;
use crate::words::SharedWords;

const TRAY_ID: &str = "main";

/// Trays show icons at 16–48 px; the window's 512 px icon would be written to disk as a
/// 1 MiB PNG on every change of the badge (that is how libappindicator takes icons).
const TRAY_ICON: Image<'static> = tauri::include_image!("icons/128x128.png");

/// The tray icon of a desk user's window, built once the window's page has loaded rather
/// than before its first frame: building it (libayatana and its D-Bus registration) was
/// 7 of the 8 ms that the app's setup held the page back. Until it is built, a live
/// chat's window that is closed is minimised, as on a desktop without a tray.
pub struct PendingTray {
    host: Arc<TrayHost>,
    badge: Arc<UnreadBadge>,
    built: std::sync::Once,
}

impl PendingTray {
    pub fn new(host: Arc<TrayHost>, badge: Arc<UnreadBadge>) -> Self {
        Self { host, badge, built: std::sync::Once::new() }
    }

    /// Builds the icon after the page that just loaded has had its turn on the main
    /// thread; the first call only (pages are renewed later, the tray stays).
    pub fn after_page_load(app: &AppHandle) {
        let Some(pending) = app.try_state::<PendingTray>() else { return };
        if pending.built.is_completed() {
            return;
        }
        let handle = app.clone();
        let posted = app.run_on_main_thread(move || {
            if let Some(pending) = handle.try_state::<PendingTray>() {
                pending.build_once(&handle);
            }
        });
        if let Err(error) = posted {
            tracing::warn!(%error, "no tray icon: the main thread took no task");
        }
    }

    fn build_once(&self, app: &AppHandle) {
        self.built.call_once(|| {
            if install(app) {
                self.host.icon_built();
                // Agent lines may have come while the window was in the background.
                self.badge.redraw();
                tracing::info!("the tray icon is shown");
            }
        });
    }
}

/// Builds the tray icon; `false` when this desktop has none. On Linux the tray needs
/// the AppIndicator library, which `libappindicator` loads at run time and panics
/// without: a missing tray must not take the chat down with it.
fn install(app: &AppHandle) -> bool {
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

/// The tray menu's items, kept to be worded again when the page lends its words.
struct TrayMenu {
    open: MenuItem<tauri::Wry>,
    quit: MenuItem<tauri::Wry>,
}

fn open_label(words: &Words) -> String {
    words.say("openChat", &[], || "Open chat".into())
}

fn quit_label(words: &Words) -> String {
    words.say("quit", &[], || "Quit".into())
}

/// Words the tray's menu in `words` (the tooltip follows with the next count).
pub fn speak(app: &AppHandle, words: &Words) {
    let Some(menu) = app.try_state::<TrayMenu>() else { return };
    let worded = menu.open.set_text(open_label(words)).and_then(|()| menu.quit.set_text(quit_label(words)));
    if let Err(error) = worded {
        tracing::debug!(%error, "could not word the tray menu");
    }
}

fn build(app: &AppHandle) -> tauri::Result<()> {
    let words = current_words(app);
    let open = MenuItem::with_id(app, "open", open_label(&words), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", quit_label(&words), true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &quit])?;
    app.manage(TrayMenu { open, quit });
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
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                window::bring_to_front(tray.app_handle());
            }
        });
    tray = tray.icon(TRAY_ICON.clone());
    tray.build(app)?;
    // The page may have lent its words after they were read above, before the menu was
    // there for `speak` to find.
    let now = current_words(app);
    if !Arc::ptr_eq(&now, &words) {
        speak(app, &now);
    }
    Ok(())
}

fn current_words(app: &AppHandle) -> Arc<Words> {
    app.try_state::<SharedWords>().map_or_else(|| Arc::new(Words::english()), |words| words.current())
}

/// The unread badge, redrawn on the main thread without waiting for it. The tray's own
/// setters block their caller until the main thread has run them; called from the task
/// that delivers agent messages, they made it wait on the main thread while the main
/// thread (the tray's *Quit*) waited for that task to stop: the app hung on quitting. A
/// burst of messages also asked for one redraw each; now a redraw reads the latest count
/// when it runs, and at most one is on its way at a time.
pub struct UnreadBadge {
    latest: Arc<AtomicU32>,
    redraw_posted: Arc<AtomicBool>,
    /// Hands a task to the main thread without waiting for it to run.
    post: Box<dyn Fn(MainThreadTask) -> Result<(), String> + Send + Sync>,
    draw: Arc<dyn Fn(u32) + Send + Sync>,
}

type MainThreadTask = Box<dyn FnOnce() + Send>;

impl UnreadBadge {
    pub fn new(app: AppHandle) -> Self {
        let drawing = app.clone();
        // The tray was built showing the icon without the dot.
        let dot_shown = std::sync::Mutex::new(false);
        Self::with(
            move |task| app.run_on_main_thread(task).map_err(|error| error.to_string()),
            move |unread| {
                let Ok(mut dot_shown) = dot_shown.lock() else { return };
                let change = icon_change(*dot_shown, unread);
                if draw_unread(&drawing, unread, change) {
                    *dot_shown = change.unwrap_or(*dot_shown);
                }
            },
        )
    }

    fn with(
        post: impl Fn(MainThreadTask) -> Result<(), String> + Send + Sync + 'static,
        draw: impl Fn(u32) + Send + Sync + 'static,
    ) -> Self {
        Self {
            latest: Arc::new(AtomicU32::new(0)),
            redraw_posted: Arc::new(AtomicBool::new(false)),
            post: Box::new(post),
            draw: Arc::new(draw),
        }
    }

    /// Returns at once; the badge shows `unread` (or a later count) soon after.
    pub fn show(&self, unread: u32) {
        self.latest.store(unread, Ordering::SeqCst);
        self.redraw();
    }

    /// Draws the latest count again, on the main thread, soon.
    fn redraw(&self) {
        if self.redraw_posted.swap(true, Ordering::SeqCst) {
            return;
        }
        let (latest, posted, draw) = (self.latest.clone(), self.redraw_posted.clone(), self.draw.clone());
        let sent = (self.post)(Box::new(move || {
            // Cleared before reading: a count stored after this read posts a new redraw.
            posted.store(false, Ordering::SeqCst);
            draw(latest.load(Ordering::SeqCst));
        }));
        if let Err(error) = sent {
            self.redraw_posted.store(false, Ordering::SeqCst);
            tracing::debug!(%error, "could not redraw the tray icon");
        }
    }
}

/// The icon to draw for `unread` messages when the dot is (or is not) shown: a new one
/// only when the dot comes or goes. The tray writes every icon it is given to disk as a
/// PNG, on the main thread that the chat's events to the page also go through; drawn
/// for every agent line, it made each line in a background window reach the page late.
fn icon_change(dot_shown: bool, unread: u32) -> Option<bool> {
    let dot = unread > 0;
    (dot != dot_shown).then_some(dot)
}

/// Says the count in the tooltip (title on Linux, where tray tooltips do not exist) and
/// draws the icon with or without its dot when `dot` says so. On the main thread: there
/// the setters do not wait. `true` when the tray took it all.
fn draw_unread(app: &AppHandle, unread: u32, dot: Option<bool>) -> bool {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return false };
    let words = current_words(app);
    let label = match unread {
        0 => words.say("appName", &[], || "Xima Chat".into()),
        n => words.count("trayUnread", n, &[], || match n {
            1 => "Xima Chat: 1 unread message".to_owned(),
            n => format!("Xima Chat: {n} unread messages"),
        }),
    };
    let icon = match dot {
        None => Ok(()),
        Some(false) => tray.set_icon(Some(TRAY_ICON.clone())),
        Some(true) => {
            let rgba = with_badge(TRAY_ICON.rgba(), TRAY_ICON.width(), TRAY_ICON.height());
            tray.set_icon(Some(Image::new_owned(rgba, TRAY_ICON.width(), TRAY_ICON.height())))
        }
    };
    let outcome = icon
        .and_then(|()| tray.set_tooltip(Some(&label)))
        .and_then(|()| tray.set_title(if unread == 0 { None } else { Some(unread.to_string()) }));
    if let Err(error) = outcome {
        tracing::debug!(%error, "could not update the tray icon");
        return false;
    }
    true
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
    use std::sync::Mutex;

    #[test]
    fn a_burst_of_unread_counts_never_waits_for_the_main_thread_and_draws_the_latest_once() {
        let posted: Arc<Mutex<Vec<MainThreadTask>>> = Arc::default();
        let drawn: Arc<Mutex<Vec<u32>>> = Arc::default();
        let (queue, canvas) = (posted.clone(), drawn.clone());
        let badge = UnreadBadge::with(
            move |task| {
                queue.lock().unwrap().push(task);
                Ok(())
            },
            move |unread| canvas.lock().unwrap().push(unread),
        );
        let run_main_thread = || {
            let tasks: Vec<MainThreadTask> = std::mem::take(&mut *posted.lock().unwrap());
            tasks.into_iter().for_each(|task| task());
        };

        // The main thread is busy (quitting, say): nothing posted runs, and nobody waits.
        for unread in 1..=1000 {
            badge.show(unread);
        }
        assert_eq!(posted.lock().unwrap().len(), 1, "one redraw on its way, not a thousand");
        run_main_thread();
        assert_eq!(*drawn.lock().unwrap(), [1000], "the latest count, drawn once");

        badge.show(0);
        run_main_thread();
        assert_eq!(*drawn.lock().unwrap(), [1000, 0], "a count after a redraw gets its own");
    }

    #[test]
    fn the_icon_is_drawn_again_only_when_the_dot_comes_or_goes() {
        let mut dot_shown = false;
        let mut drawn = Vec::new();
        for unread in [1, 2, 3, 40, 0, 0, 1] {
            if let Some(dot) = icon_change(dot_shown, unread) {
                drawn.push((unread, dot));
                dot_shown = dot;
            }
        }
        assert_eq!(drawn, [(1, true), (0, false), (1, true)], "three icons for seven counts");
    }

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
