//! What this computer is, as an IT agent's first questions ask it ("which computer, which
//! system, which version?"): the facts a custom field's value may name, `{computer-name}`
//! and the six others of [`Fact`]. Only these: never an address, a list of programs or
//! anything else about the computer. The administrator chooses which a field names; the
//! pre-chat form shows the customer what will be shared before they press Start.
//!
//! Reading is per platform (`facts/linux.rs`, `facts/windows.rs`, `facts/macos.rs`); what
//! turns a platform's raw answer into the words an agent reads is here, in plain
//! functions that every platform compiles and the Linux tests run.

use std::collections::BTreeMap;

use crate::text::notification_text::on_one_line;

#[cfg(target_os = "linux")]
#[path = "facts/linux.rs"]
mod system;
#[cfg(target_os = "macos")]
#[path = "facts/macos.rs"]
mod system;
#[cfg(windows)]
#[path = "facts/windows.rs"]
mod system;

/// A fact a custom field's value may name, as `{computer-name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fact {
    ComputerName,
    UserName,
    /// "Windows 11 23H2", "Debian GNU/Linux 12", "macOS 14.5".
    Os,
    AppVersion,
    /// The resolution and scale of the screen the window is on.
    Screen,
    /// The desktop's language and region, as a BCP 47 tag ("de-DE").
    Locale,
    /// The zone's name as the system has it ("Europe/Berlin", "W. Europe Standard Time").
    TimeZone,
}

impl Fact {
    pub const ALL: [Fact; 7] =
        [Fact::ComputerName, Fact::UserName, Fact::Os, Fact::AppVersion, Fact::Screen, Fact::Locale, Fact::TimeZone];

    /// The name between the braces.
    pub fn name(self) -> &'static str {
        match self {
            Fact::ComputerName => "computer-name",
            Fact::UserName => "user-name",
            Fact::Os => "os",
            Fact::AppVersion => "app-version",
            Fact::Screen => "screen",
            Fact::Locale => "locale",
            Fact::TimeZone => "time-zone",
        }
    }

    fn named(name: &str) -> Option<Fact> {
        Fact::ALL.into_iter().find(|fact| fact.name() == name)
    }
}

/// A `{name}` in a field's value that is no fact: a misspelling the administrator must
/// hear of, since the agent would read it as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{{{0}}} is not a fact the app reads; it reads {known}", known = known_facts())]
pub struct UnknownFact(pub String);

fn known_facts() -> String {
    Fact::ALL.iter().map(|fact| format!("{{{}}}", fact.name())).collect::<Vec<_>>().join(", ")
}

/// A value's pieces: text as it stands, and the facts it names. Only a lowercase name
/// in braces counts as one (`{os}`, `{time-zone}`): `{VIP}` or `{ 3 }` is text.
enum Piece<'a> {
    Text(&'a str),
    /// `{name}`, braces and all, and the name.
    Named {
        braced: &'a str,
        name: &'a str,
    },
}

fn pieces(template: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = template;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let named = rest.find('{').and_then(|open| {
            let close = open + rest[open..].find('}')?;
            let name = &rest[open + 1..close];
            let fact_like = name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            fact_like.then_some((open, close, name))
        });
        let piece = match named {
            Some((0, close, name)) => {
                let (braced, after) = rest.split_at(close + 1);
                rest = after;
                Piece::Named { braced, name }
            }
            Some((open, _, _)) => {
                let (text, after) = rest.split_at(open);
                rest = after;
                Piece::Text(text)
            }
            None => {
                // No fact ahead: the text up to the next brace (or the end) stands.
                let end = rest.char_indices().skip(1).find(|(_, c)| *c == '{').map_or(rest.len(), |(at, _)| at);
                let (text, after) = rest.split_at(end);
                rest = after;
                Piece::Text(text)
            }
        };
        Some(piece)
    })
}

/// The facts `template` names, in order; an error for a `{name}` that is none.
pub fn named_in(template: &str) -> Result<Vec<Fact>, UnknownFact> {
    pieces(template)
        .filter_map(|piece| match piece {
            Piece::Named { name, .. } => Some(Fact::named(name).ok_or_else(|| UnknownFact(name.to_owned()))),
            Piece::Text(_) => None,
        })
        .collect()
}

/// The screen the window is on, which only the window knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Screen {
    /// Physical pixels.
    pub width: u32,
    pub height: u32,
    /// 1.0 at 100 %.
    pub scale: f64,
}

/// Facts as read at one moment: what the form showed is what the chat sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    values: BTreeMap<Fact, String>,
}

impl Facts {
    /// Reads the facts `wanted` names, and nothing else.
    pub fn read(wanted: impl IntoIterator<Item = Fact>, screen: Option<Screen>) -> Self {
        let values = wanted
            .into_iter()
            .filter_map(|fact| {
                // On one line without controls, as the agent's screen shows a field.
                let value = read(fact, screen).map(|value| on_one_line(&value)).filter(|value| !value.is_empty());
                if value.is_none() {
                    tracing::debug!(fact = fact.name(), "this computer does not say");
                }
                Some((fact, value?))
            })
            .collect();
        Self { values }
    }

    /// Facts as given, for tests of what is done with them.
    pub fn of(values: impl IntoIterator<Item = (Fact, String)>) -> Self {
        Self { values: values.into_iter().collect() }
    }

    pub fn get(&self, fact: Fact) -> Option<&str> {
        self.values.get(&fact).map(String::as_str)
    }

    /// `template` with each fact it names filled in; one this computer does not tell is
    /// "unknown" (a field left blank would read to the agent as a form not filled).
    pub fn fill(&self, template: &str) -> String {
        pieces(template)
            .map(|piece| match piece {
                Piece::Text(text) => text,
                Piece::Named { braced, name } => match Fact::named(name) {
                    Some(fact) => self.get(fact).unwrap_or("unknown"),
                    None => braced,
                },
            })
            .collect()
    }
}

fn read(fact: Fact, screen: Option<Screen>) -> Option<String> {
    match fact {
        Fact::ComputerName => system::computer_name(),
        Fact::UserName => system::user_name(),
        Fact::Os => system::os(),
        Fact::AppVersion => Some(env!("CARGO_PKG_VERSION").to_owned()),
        Fact::Screen => screen.map(describe_screen),
        Fact::Locale => system::locale(),
        Fact::TimeZone => system::time_zone(),
    }
}

/// "2560×1440 at 125%".
fn describe_screen(screen: Screen) -> String {
    format!("{}×{} at {}%", screen.width, screen.height, (screen.scale * 100.0).round())
}

/// The system's name and version from `/etc/os-release` ("Debian GNU/Linux 12"); its
/// pretty name only when it gives no version (a rolling release's "Arch Linux").
#[cfg(any(target_os = "linux", test))]
fn os_release_name(text: &str) -> Option<String> {
    let field = |key: &str| {
        text.lines().find_map(|line| {
            let value = line.trim().strip_prefix(key)?.strip_prefix('=')?;
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
            (!value.is_empty()).then(|| value.to_owned())
        })
    };
    match (field("NAME"), field("VERSION_ID")) {
        (Some(name), Some(version)) => Some(format!("{name} {version}")),
        (name, None) => field("PRETTY_NAME").or(name),
        (None, Some(_)) => field("PRETTY_NAME"),
    }
}

/// A POSIX locale ("de_DE.UTF-8@euro") as a BCP 47 tag ("de-DE"); none for "C" and
/// "POSIX", which say no language at all.
#[cfg(any(unix, test))]
fn posix_locale_tag(locale: &str) -> Option<String> {
    let base = locale.split(['.', '@']).next()?.trim();
    if base.is_empty() || base == "C" || base == "POSIX" {
        return None;
    }
    Some(base.replace('_', "-"))
}

/// The desktop's locale from the variables that set it, in the order the C library
/// reads them for messages.
#[cfg(any(unix, test))]
fn locale_from(variable: impl Fn(&str) -> Option<String>) -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .filter_map(variable)
        .find(|value| !value.trim().is_empty())
        .and_then(|value| posix_locale_tag(&value))
}

/// The zone `TZ` names ("Europe/Berlin", ":Europe/Berlin"); none when it names a file
/// (the zone is then that file's) or is unset.
#[cfg(any(unix, test))]
fn zone_in_tz(tz: Option<String>) -> Option<String> {
    let tz = tz?;
    let tz = tz.trim().trim_start_matches(':');
    (!tz.is_empty() && !tz.starts_with('/')).then(|| tz.to_owned())
}

/// The zone a link to the zone database names: `/usr/share/zoneinfo/Europe/Berlin`,
/// macOS's `/var/db/timezone/zoneinfo/Europe/Berlin`.
#[cfg(any(unix, test))]
fn zone_in_path(path: &std::path::Path) -> Option<String> {
    let path = path.to_str()?;
    let (_, zone) = path.rsplit_once("zoneinfo/")?;
    let zone = zone.trim_start_matches("posix/").trim_start_matches("right/");
    (!zone.is_empty()).then(|| zone.to_owned())
}

/// This computer's zone on a Unix: `TZ`, else what `/etc/localtime` links to.
#[cfg(unix)]
fn unix_time_zone() -> Option<String> {
    zone_in_tz(std::env::var("TZ").ok()).or_else(|| zone_in_path(&std::fs::read_link("/etc/localtime").ok()?))
}

/// The Windows release as people name it. Microsoft left `ProductName` at "Windows 10
/// …" on Windows 11, whose builds start at 22000; the edition (Pro, Enterprise) is
/// dropped and the release ("23H2") added.
#[cfg(any(windows, test))]
fn windows_name(product: &str, build: Option<u32>, release: Option<&str>) -> String {
    let product = product.trim().trim_start_matches("Microsoft ").trim();
    let family = if product.contains("Server") {
        product.to_owned()
    } else if build.is_some_and(|build| build >= 22000) {
        "Windows 11".to_owned()
    } else {
        product.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    };
    match release.map(str::trim).filter(|release| !release.is_empty()) {
        Some(release) => format!("{family} {release}"),
        None => family,
    }
}

/// A string value of an XML property list ("ProductVersion" of macOS's
/// SystemVersion.plist).
#[cfg(any(target_os = "macos", test))]
fn plist_string(text: &str, key: &str) -> Option<String> {
    let after = &text[text.find(&format!("<key>{key}</key>"))? + key.len() + 11..];
    let value = after.trim_start().strip_prefix("<string>")?;
    let value = &value[..value.find("</string>")?];
    (!value.trim().is_empty()).then(|| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_names_facts_by_their_lowercase_names_in_braces() {
        assert_eq!(named_in("{computer-name}").unwrap(), [Fact::ComputerName]);
        assert_eq!(named_in("{os}, app {app-version}").unwrap(), [Fact::Os, Fact::AppVersion]);
        assert_eq!(named_in("Lobby {3} {VIP} { os } {").unwrap(), [], "not a fact's name: text");
        assert_eq!(named_in("{hostname}"), Err(UnknownFact("hostname".into())));
        let error = named_in("at {ip-address}").unwrap_err().to_string();
        assert!(error.starts_with("{ip-address} is not a fact the app reads; it reads {computer-name}, "), "{error}");
    }

    #[test]
    fn facts_are_filled_in_and_the_rest_stands() {
        let facts = Facts::of([(Fact::ComputerName, "LAB-PC-12".into()), (Fact::Os, "Debian GNU/Linux 12".into())]);
        assert_eq!(facts.fill("{computer-name}"), "LAB-PC-12");
        assert_eq!(facts.fill("{os} on {computer-name} {VIP} {"), "Debian GNU/Linux 12 on LAB-PC-12 {VIP} {");
        assert_eq!(facts.fill("{time-zone}"), "unknown", "one the computer did not tell");
        assert_eq!(facts.fill("Ünïcödé {os}"), "Ünïcödé Debian GNU/Linux 12");
        assert_eq!(facts.fill("Ünïcödé {VIP}"), "Ünïcödé {VIP}", "no fact: the text as it stands");
        assert_eq!(facts.fill("at {hostname}"), "at {hostname}", "no fact by that name: the text as it stands");
    }

    #[test]
    fn only_the_facts_asked_for_are_read() {
        let facts = Facts::read([Fact::AppVersion], None);
        assert_eq!(facts.get(Fact::AppVersion), Some(env!("CARGO_PKG_VERSION")));
        assert_eq!(facts.get(Fact::ComputerName), None);
    }

    #[test]
    fn the_screen_is_its_pixels_and_its_scale() {
        let facts = Facts::read([Fact::Screen], Some(Screen { width: 2560, height: 1440, scale: 1.25 }));
        assert_eq!(facts.get(Fact::Screen), Some("2560×1440 at 125%"));
        assert_eq!(Facts::read([Fact::Screen], None).get(Fact::Screen), None, "no window, no screen");
    }

    #[test]
    fn what_the_system_says_is_put_on_one_line() {
        assert_eq!(on_one_line(" Debian\nGNU/Linux\t12 \u{1b}"), "Debian GNU/Linux 12");
    }

    #[test]
    fn the_linux_system_is_named_with_its_version() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n";
        assert_eq!(os_release_name(debian).as_deref(), Some("Debian GNU/Linux 12"));
        assert_eq!(os_release_name("NAME='Ubuntu'\nVERSION_ID=24.04").as_deref(), Some("Ubuntu 24.04"));
        assert_eq!(os_release_name("NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"").as_deref(), Some("Arch Linux"));
        assert_eq!(os_release_name("PRETTY_NAME_X=1\nID=x"), None);
    }

    #[test]
    fn a_posix_locale_becomes_a_language_tag() {
        assert_eq!(posix_locale_tag("de_DE.UTF-8@euro").as_deref(), Some("de-DE"));
        assert_eq!(posix_locale_tag("pt_BR").as_deref(), Some("pt-BR"));
        assert_eq!(posix_locale_tag("C.UTF-8"), None);
        assert_eq!(posix_locale_tag("POSIX"), None);
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        };
        assert_eq!(locale_from(env(&[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])).as_deref(), Some("fr-FR"));
        assert_eq!(locale_from(env(&[("LANG", "fr_FR"), ("LC_MESSAGES", "es_MX")])).as_deref(), Some("es-MX"));
        assert_eq!(locale_from(env(&[])), None);
    }

    #[test]
    fn the_zone_comes_from_tz_or_the_zone_database_link() {
        assert_eq!(zone_in_tz(Some(":Europe/Berlin".into())).as_deref(), Some("Europe/Berlin"));
        assert_eq!(zone_in_tz(Some("/etc/localtime".into())), None);
        assert_eq!(zone_in_tz(None), None);
        let zone = |path: &str| zone_in_path(std::path::Path::new(path));
        assert_eq!(zone("/usr/share/zoneinfo/America/Argentina/Salta").as_deref(), Some("America/Argentina/Salta"));
        assert_eq!(zone("../usr/share/zoneinfo/posix/Asia/Tokyo").as_deref(), Some("Asia/Tokyo"));
        assert_eq!(zone("/var/db/timezone/zoneinfo/Europe/Lisbon").as_deref(), Some("Europe/Lisbon"));
        assert_eq!(zone("/etc/localtime.real"), None);
    }

    #[test]
    fn windows_is_named_as_people_name_it() {
        assert_eq!(windows_name("Windows 10 Pro", Some(22631), Some("23H2")), "Windows 11 23H2");
        assert_eq!(windows_name("Windows 10 Enterprise", Some(19045), Some("22H2")), "Windows 10 22H2");
        assert_eq!(
            windows_name("Windows Server 2022 Standard", Some(20348), Some("21H2")),
            "Windows Server 2022 Standard 21H2"
        );
        assert_eq!(windows_name("Microsoft Windows 10", Some(19043), None), "Windows 10");
    }

    #[test]
    fn the_macos_version_comes_from_its_property_list() {
        let plist = "<dict>\n\t<key>ProductName</key>\n\t<string>macOS</string>\n\t<key>ProductVersion</key>\n\t<string>14.5</string>\n</dict>";
        assert_eq!(plist_string(plist, "ProductVersion").as_deref(), Some("14.5"));
        assert_eq!(plist_string(plist, "BuildVersion"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_facts_are_the_systems_own() {
        let facts = Facts::read(Fact::ALL, Some(Screen { width: 1920, height: 1080, scale: 1.0 }));
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        assert_eq!(facts.get(Fact::ComputerName), Some(hostname.trim()));
        let release = std::fs::read_to_string("/etc/os-release").unwrap();
        assert_eq!(facts.get(Fact::Os), os_release_name(&release).as_deref());
        let user =
            ["USER", "LOGNAME"].into_iter().find_map(|name| std::env::var(name).ok().filter(|user| !user.is_empty()));
        assert_eq!(facts.get(Fact::UserName).map(str::to_owned), user);
        assert_eq!(facts.get(Fact::Locale).map(str::to_owned), locale_from(|name| std::env::var(name).ok()));
        assert_eq!(facts.get(Fact::Screen), Some("1920×1080 at 100%"));
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_the_facts_are_the_systems_own() {
        let facts = Facts::read(Fact::ALL, None);
        assert_eq!(facts.get(Fact::ComputerName).map(str::to_owned), std::env::var("COMPUTERNAME").ok());
        assert_eq!(facts.get(Fact::UserName).map(str::to_owned), std::env::var("USERNAME").ok());
        let os = facts.get(Fact::Os).unwrap_or_default();
        assert!(os.starts_with("Windows "), "{os:?}");
        let locale = facts.get(Fact::Locale).unwrap_or_default();
        assert!(locale.len() >= 2 && !locale.contains('_'), "{locale:?}");
        assert!(facts.get(Fact::TimeZone).is_some_and(|zone| !zone.is_empty()));
    }
}
