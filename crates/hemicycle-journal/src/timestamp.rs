//! A strict check that `recorded_at` is an RFC 3339 timestamp.
//!
//! The value is kept verbatim in the journal (the caller's offset is part of
//! the official record), so it is only checked, never normalised. Written by
//! hand rather than with a date library so the accepted profile is exactly
//! the one documented in the crate docs and cannot drift with a dependency.

/// Longest accepted `recorded_at`: `YYYY-MM-DDTHH:MM:SS.fffffffff+HH:MM`.
pub const MAX_RECORDED_AT_BYTES: usize = 35;

const FORM: &str = "expected YYYY-MM-DDTHH:MM:SS, an optional fraction of 1 to 9 digits, then Z or +HH:MM or -HH:MM";

/// Checks `value` against the profile
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, with an upper-case `T`
/// and `Z`, real calendar dates and a seconds field up to 60 (RFC 3339 allows
/// a leap second). Returns the reason on failure.
pub(crate) fn check_rfc3339(value: &str) -> Result<(), &'static str> {
    let bytes = value.as_bytes();
    if bytes.len() > MAX_RECORDED_AT_BYTES {
        return Err("too long for an RFC 3339 timestamp");
    }
    if bytes.len() < 20 {
        return Err(FORM);
    }
    let year = digits(bytes, 0, 4)?;
    expect(bytes, 4, b'-')?;
    let month = digits(bytes, 5, 2)?;
    expect(bytes, 7, b'-')?;
    let day = digits(bytes, 8, 2)?;
    expect(bytes, 10, b'T')?;
    let hour = digits(bytes, 11, 2)?;
    expect(bytes, 13, b':')?;
    let minute = digits(bytes, 14, 2)?;
    expect(bytes, 16, b':')?;
    let second = digits(bytes, 17, 2)?;

    if !(1..=12).contains(&month) {
        return Err("month must be 01 to 12");
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("day does not exist in that month");
    }
    if hour > 23 {
        return Err("hour must be 00 to 23");
    }
    if minute > 59 {
        return Err("minute must be 00 to 59");
    }
    if second > 60 {
        return Err("second must be 00 to 60");
    }

    let mut position = 19;
    if bytes[position] == b'.' {
        position += 1;
        let fraction_start = position;
        while position < bytes.len() && bytes[position].is_ascii_digit() {
            position += 1;
        }
        let fraction_digits = position - fraction_start;
        if fraction_digits == 0 || fraction_digits > 9 {
            return Err("a fraction of a second must have 1 to 9 digits");
        }
    }

    match &bytes[position..] {
        b"Z" => Ok(()),
        [sign, ..] if *sign == b'+' || *sign == b'-' => {
            let offset = &bytes[position..];
            if offset.len() != 6 {
                return Err("offset must be Z, +HH:MM or -HH:MM");
            }
            let offset_hour = digits(offset, 1, 2)?;
            expect(offset, 3, b':')?;
            let offset_minute = digits(offset, 4, 2)?;
            if offset_hour > 23 || offset_minute > 59 {
                return Err("offset out of range");
            }
            Ok(())
        }
        _ => Err("offset must be Z, +HH:MM or -HH:MM"),
    }
}

fn digits(bytes: &[u8], start: usize, count: usize) -> Result<u32, &'static str> {
    let field = bytes.get(start..start + count).ok_or(FORM)?;
    field.iter().try_fold(0u32, |total, byte| {
        if byte.is_ascii_digit() {
            Ok(total * 10 + u32::from(byte - b'0'))
        } else {
            Err(FORM)
        }
    })
}

fn expect(bytes: &[u8], position: usize, wanted: u8) -> Result<(), &'static str> {
    if bytes.get(position) == Some(&wanted) {
        Ok(())
    } else {
        Err(FORM)
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::check_rfc3339;

    #[test]
    fn accepts_the_documented_forms() {
        for value in [
            "2020-01-05T16:25:00+03:00",
            "2020-01-05T13:25:00Z",
            "2020-01-05T13:25:00.5Z",
            "2020-01-05T13:25:00.123456789-11:30",
            "2024-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(check_rfc3339(value), Ok(()), "{value}");
        }
    }

    #[test]
    fn refuses_near_misses() {
        for value in [
            "",
            "2020-01-05",
            "2020-01-05 16:25:00+03:00",
            "2020-01-05t16:25:00Z",
            "2020-01-05T16:25:00z",
            "2020-01-05T16:25:00",
            "2020-01-05T16:25:00+0300",
            "2020-01-05T16:25:00+03:00 ",
            "2020-13-05T16:25:00Z",
            "2023-02-29T16:25:00Z",
            "2020-04-31T16:25:00Z",
            "2020-01-00T16:25:00Z",
            "2020-01-05T24:00:00Z",
            "2020-01-05T16:60:00Z",
            "2020-01-05T16:25:61Z",
            "2020-01-05T16:25:00.Z",
            "2020-01-05T16:25:00.1234567890Z",
            "2020-01-05T16:25:00+24:00",
            "+2020-01-05T16:25:00Z",
            "2020-01-05T16:25:00+03:00:00",
            "２020-01-05T16:25:00Z",
        ] {
            assert!(check_rfc3339(value).is_err(), "{value:?} was accepted");
        }
    }
}
