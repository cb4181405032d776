//! The facts as macOS tells them: the computer's name as Sharing shows it, the system's
//! version file, the session's variables (else the user's region setting, since an app
//! started from the Dock has no `LANG`) and the zone database link.

use std::process::Command;

/// The output of a system tool, when it ran and said something.
fn said(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// "LAB-MAC-12", not the network's "lab-mac-12.local".
pub fn computer_name() -> Option<String> {
    said("/usr/sbin/scutil", &["--get", "ComputerName"])
}

pub fn user_name() -> Option<String> {
    std::env::var("USER").ok().filter(|user| !user.is_empty())
}

pub fn os() -> Option<String> {
    let plist = std::fs::read_to_string("/System/Library/CoreServices/SystemVersion.plist").ok()?;
    Some(format!("macOS {}", super::plist_string(&plist, "ProductVersion")?))
}

pub fn locale() -> Option<String> {
    super::locale_from(|name| std::env::var(name).ok())
        .or_else(|| super::posix_locale_tag(&said("/usr/bin/defaults", &["read", "-g", "AppleLocale"])?))
}

pub fn time_zone() -> Option<String> {
    super::unix_time_zone()
}
