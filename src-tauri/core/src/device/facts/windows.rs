//! The facts as Windows tells them: the variables every process gets, the release in the
//! registry, the user's locale and the time zone's key name.

use windows_sys::Win32::Globalization::GetUserDefaultLocaleName;
use windows_sys::Win32::System::Registry::{RegGetValueW, HKEY_LOCAL_MACHINE, RRF_RT_REG_SZ};
use windows_sys::Win32::System::Time::{GetDynamicTimeZoneInformation, DYNAMIC_TIME_ZONE_INFORMATION};

pub fn computer_name() -> Option<String> {
    std::env::var("COMPUTERNAME").ok().filter(|name| !name.is_empty())
}

pub fn user_name() -> Option<String> {
    std::env::var("USERNAME").ok().filter(|name| !name.is_empty())
}

pub fn os() -> Option<String> {
    const CURRENT_VERSION: &str = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion";
    let product = machine_string(CURRENT_VERSION, "ProductName")?;
    let build = machine_string(CURRENT_VERSION, "CurrentBuildNumber").and_then(|build| build.trim().parse().ok());
    // DisplayVersion since 20H2; ReleaseId ("2009") before.
    let release =
        machine_string(CURRENT_VERSION, "DisplayVersion").or_else(|| machine_string(CURRENT_VERSION, "ReleaseId"));
    Some(super::windows_name(&product, build, release.as_deref()))
}

pub fn locale() -> Option<String> {
    const LOCALE_NAME_MAX_LENGTH: usize = 85;
    let mut name = [0u16; LOCALE_NAME_MAX_LENGTH];
    // SAFETY: the buffer is as long as the length given; the call writes at most that.
    let written = unsafe { GetUserDefaultLocaleName(name.as_mut_ptr(), name.len() as i32) };
    let written = usize::try_from(written).ok().filter(|written| *written > 1)?;
    Some(String::from_utf16_lossy(&name[..written - 1]))
}

/// The zone's key name ("W. Europe Standard Time"), which stays English whatever the
/// display language, as an agent can look it up.
pub fn time_zone() -> Option<String> {
    // SAFETY: a zeroed DYNAMIC_TIME_ZONE_INFORMATION is valid; the call fills it in.
    let mut zone: DYNAMIC_TIME_ZONE_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: `zone` is a valid, writable DYNAMIC_TIME_ZONE_INFORMATION.
    let answer = unsafe { GetDynamicTimeZoneInformation(&mut zone) };
    if answer == u32::MAX {
        return None;
    }
    let key = &zone.TimeZoneKeyName;
    let end = key.iter().position(|unit| *unit == 0).unwrap_or(key.len());
    Some(String::from_utf16_lossy(&key[..end])).filter(|name| !name.is_empty())
}

/// A string value under HKEY_LOCAL_MACHINE.
fn machine_string(key: &str, value: &str) -> Option<String> {
    let wide = |text: &str| text.encode_utf16().chain(std::iter::once(0)).collect::<Vec<u16>>();
    let (key, value) = (wide(key), wide(value));
    let mut buffer = [0u16; 256];
    let mut bytes = (buffer.len() * 2) as u32;
    // SAFETY: both names end in a NUL; `bytes` is the buffer's size in bytes, which the
    // call does not write past and sets to what it wrote.
    let status = unsafe {
        RegGetValueW(
            HKEY_LOCAL_MACHINE,
            key.as_ptr(),
            value.as_ptr(),
            RRF_RT_REG_SZ,
            std::ptr::null_mut(),
            buffer.as_mut_ptr().cast(),
            &mut bytes,
        )
    };
    if status != 0 {
        return None;
    }
    let units = (bytes as usize / 2).min(buffer.len());
    let end = buffer[..units].iter().position(|unit| *unit == 0).unwrap_or(units);
    Some(String::from_utf16_lossy(&buffer[..end]))
}
