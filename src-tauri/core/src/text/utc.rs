//! Calendar time in UTC from milliseconds since 1970, without a date library: the
//! transcript's time stamps and the timestamps the cloud sends as epochs both need it.

/// A moment broken into its UTC calendar fields.
pub(crate) struct Utc {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub milli: i64,
}

impl Utc {
    /// Howard Hinnant's civil-from-days, for any millisecond count (before 1970 too).
    pub fn from_millis(millis: i64) -> Self {
        let days = millis.div_euclid(86_400_000);
        let in_day = millis.rem_euclid(86_400_000);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        Self {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: in_day / 3_600_000,
            minute: in_day / 60_000 % 60,
            second: in_day / 1000 % 60,
            milli: in_day % 1000,
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn iso(&self) -> String {
        let Utc { year, month, day, hour, minute, second, milli } = self;
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
    }

    /// `YYYY-MM-DD HH:MM:SS UTC`, for people.
    pub fn readable(&self) -> String {
        let Utc { year, month, day, hour, minute, second, .. } = self;
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_reads_in_utc_for_people() {
        assert_eq!(Utc::from_millis(0).readable(), "1970-01-01 00:00:00 UTC");
        assert_eq!(Utc::from_millis(1_764_028_800_000).readable(), "2025-11-25 00:00:00 UTC");
    }
}
