//! Identifiers and national codes.
//!
//! Every identifier is a newtype with a private field, built only through `FromStr` /
//! `TryFrom<String>` so that an invalid value cannot exist in the domain (parse, don't
//! validate). They serialize as plain strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A value that could not be parsed into an identifier or code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {reason}")]
pub struct InvalidId {
    /// What was being parsed, e.g. "procedure code".
    pub what: &'static str,
    /// The offending input.
    pub value: String,
    /// Why it was refused.
    pub reason: &'static str,
}

impl InvalidId {
    fn new(what: &'static str, value: &str, reason: &'static str) -> Self {
        Self {
            what,
            value: value.to_owned(),
            reason,
        }
    }
}

/// Defines a string newtype whose only constructors run `$validate`, with `FromStr`,
/// `TryFrom<String>`, `Into<String>`, `Display` and serde through them.
macro_rules! validated_string {
    ($(#[$meta:meta])* $name:ident, $validate:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ($validate)(s).map(|()| Self(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                ($validate)(&s).map(|()| Self(s))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// Defines an opaque key chosen by the operator: 1–64 characters of ASCII letters, digits,
/// `.`, `_` and `-`. Keys are stable across renames, unlike names or national codes.
macro_rules! key_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        validated_string!($(#[$meta])* $name, |s: &str| parse_key(s, $what));
    };
}

fn parse_key(s: &str, what: &'static str) -> Result<(), InvalidId> {
    if s.is_empty() {
        return Err(InvalidId::new(what, s, "must not be empty"));
    }
    if s.len() > 64 {
        return Err(InvalidId::new(what, s, "must be at most 64 characters"));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(InvalidId::new(
            what,
            s,
            "may contain only ASCII letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(())
}

key_type!(
    /// Stable key of an organisational unit (đơn vị), e.g. `so-tu-phap` or `xa-tan-an`.
    UnitId,
    "unit id"
);
key_type!(
    /// Stable key of an official (cán bộ, công chức, viên chức).
    OfficialId,
    "official id"
);
key_type!(
    /// Key of an internal process (quy trình nội bộ); its versions share it.
    ProcessId,
    "process id"
);
key_type!(
    /// Key of a step inside an internal process, e.g. `tham-dinh`.
    StepId,
    "step id"
);
key_type!(
    /// Key of a working-time calendar; its versions share it.
    CalendarId,
    "calendar id"
);
key_type!(
    /// Key of a rule set (the versioned one-stop rules in force).
    RuleSetId,
    "rule set id"
);

validated_string!(
    /// National procedure code (mã TTHC) from the national procedure database, e.g.
    /// `1.001193` (birth registration) or `2.001417` (criminal-record certificate).
    ///
    /// ```
    /// use motcua_domain::ProcedureCode;
    /// let code: ProcedureCode = "1.001193".parse().unwrap();
    /// assert_eq!(code.as_str(), "1.001193");
    /// assert!("1.1193".parse::<ProcedureCode>().is_err());
    /// ```
    ProcedureCode,
    parse_procedure_code
);

fn parse_procedure_code(s: &str) -> Result<(), InvalidId> {
    const FORM: &str = "expected the form D.DDDDDD, e.g. 1.001193";
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((head, tail))
            if digits(head) && head.len() <= 2 && digits(tail) && tail.len() == 6 =>
        {
            Ok(())
        }
        _ => Err(InvalidId::new("procedure code", s, FORM)),
    }
}

validated_string!(
    /// National identifier code of a unit (mã định danh), structured as in Circular
    /// 10/2016/TT-BTTTT: one to four dot-separated groups of two or three upper-case letters
    /// or digits, e.g. `000.00.12.H29` or `H15.50.05.13`. It is the first part of every
    /// dossier code the unit issues.
    ///
    /// ```
    /// use motcua_domain::UnitCode;
    /// assert!("000.00.12.H29".parse::<UnitCode>().is_ok());
    /// assert!("h29".parse::<UnitCode>().is_err());
    /// ```
    UnitCode,
    parse_unit_code
);

fn parse_unit_code(s: &str) -> Result<(), InvalidId> {
    let group_ok = |g: &str| {
        (2..=3).contains(&g.len())
            && g.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    if s.split('.').count() > 4 || !s.split('.').all(group_ok) {
        return Err(InvalidId::new(
            "unit code",
            s,
            "expected 1–4 dot-separated groups of 2–3 upper-case letters or digits, e.g. 000.00.12.H29",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_accept_slugs_and_refuse_spaces_and_empties() {
        assert!("so-tu-phap".parse::<UnitId>().is_ok());
        assert!("H29.12_a".parse::<UnitId>().is_ok());
        let err = "sở tư pháp".parse::<UnitId>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid unit id \"sở tư pháp\": may contain only ASCII letters, digits, '.', '_' and '-'"
        );
        assert!("".parse::<OfficialId>().is_err());
        assert!("x".repeat(65).parse::<StepId>().is_err());
    }

    #[test]
    fn procedure_codes_follow_the_national_form() {
        for ok in ["1.001193", "2.001417", "1.012415", "10.000001"] {
            assert!(ok.parse::<ProcedureCode>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1001193",
            "1.00119",
            "1.0011933",
            "a.001193",
            "1.00119a",
            "123.001193",
        ] {
            assert!(bad.parse::<ProcedureCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn unit_codes_follow_circular_10_2016() {
        for ok in ["000.00.12.H29", "H15.50.05.13", "H29", "G01.12"] {
            assert!(ok.parse::<UnitCode>().is_ok(), "{ok}");
        }
        for bad in ["", "h29", "H15.50.05.13.01", "H1555", "H.29", "H15..05"] {
            assert!(bad.parse::<UnitCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers_round_trip_through_json_and_refuse_invalid_values() {
        let code: ProcedureCode = serde_json::from_str("\"1.001193\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"1.001193\"");
        let err = serde_json::from_str::<UnitCode>("\"bad code\"").unwrap_err();
        assert!(err.to_string().contains("invalid unit code"), "{err}");
    }
}
