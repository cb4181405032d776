//! The facts as Linux tells them: the kernel's host name, `/etc/os-release`, the
//! session's variables and the zone database link.

pub fn computer_name() -> Option<String> {
    Some(std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?.trim().to_owned())
}

pub fn user_name() -> Option<String> {
    ["USER", "LOGNAME"].into_iter().find_map(|name| std::env::var(name).ok().filter(|user| !user.is_empty()))
}

/// `/etc/os-release`, else the vendor's copy the standard names.
pub fn os() -> Option<String> {
    ["/etc/os-release", "/usr/lib/os-release"]
        .into_iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| super::os_release_name(&text))
}

pub fn locale() -> Option<String> {
    super::locale_from(|name| std::env::var(name).ok())
}

pub fn time_zone() -> Option<String> {
    super::unix_time_zone()
}
