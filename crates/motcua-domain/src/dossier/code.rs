//! Dossier codes (mã số hồ sơ), `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX` (Circular 01/2018/TT-VPCP
//! Art. 19): the receiving unit's identifier code, the receipt date, and a four-digit
//! sequence number within that unit and day.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{InvalidId, UnitCode};

/// A dossier code, e.g. `H15.50.05.13-261008-0975`.
///
/// ```
/// use motcua_domain::dossier::DossierCode;
/// let code: DossierCode = "H15.50.05.13-261008-0975".parse().unwrap();
/// assert_eq!(code.date(), jiff::civil::date(2026, 10, 8));
/// assert_eq!(code.sequence(), 975);
/// assert_eq!(code.to_string(), "H15.50.05.13-261008-0975");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode {
    unit: UnitCode,
    date: Date,
    sequence: u16,
}

fn invalid(value: &str, reason: &'static str) -> InvalidId {
    InvalidId {
        what: "dossier code",
        value: value.to_owned(),
        reason,
    }
}

impl DossierCode {
    /// Builds a code; the date must be in 2000–2099 (two-digit years) and the sequence in
    /// 1–9999.
    pub fn new(unit: UnitCode, date: Date, sequence: u16) -> Result<Self, InvalidId> {
        let text = format!("{unit}-{date}-{sequence}");
        if !(2000..=2099).contains(&date.year()) {
            return Err(invalid(&text, "the date must be in the years 2000–2099"));
        }
        if !(1..=9999).contains(&sequence) {
            return Err(invalid(
                &text,
                "the sequence number must be between 0001 and 9999",
            ));
        }
        Ok(Self {
            unit,
            date,
            sequence,
        })
    }

    /// The receiving unit's code.
    pub fn unit(&self) -> &UnitCode {
        &self.unit
    }

    /// The receipt date.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The sequence number within the unit and day.
    pub fn sequence(&self) -> u16 {
        self.sequence
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:02}{:02}{:02}-{:04}",
            self.unit,
            self.date.year() % 100,
            self.date.month(),
            self.date.day(),
            self.sequence
        )
    }
}

impl FromStr for DossierCode {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FORM: &str = "expected UNITCODE-YYMMDD-NNNN, e.g. H15.50.05.13-261008-0975";
        let mut parts = s.rsplitn(3, '-');
        let (Some(seq), Some(date), Some(unit)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid(s, FORM));
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(seq, 4) || !digits(date, 6) {
            return Err(invalid(s, FORM));
        }
        let unit: UnitCode = unit.parse().map_err(|_| invalid(s, FORM))?;
        let num = |r: std::ops::Range<usize>| date[r].parse::<i8>().expect("two digits");
        let date = Date::new(2000 + i16::from(num(0..2)), num(2..4), num(4..6))
            .map_err(|_| invalid(s, "the date part is not a real date"))?;
        let sequence = seq.parse().expect("four digits");
        DossierCode::new(unit, date, sequence).map_err(|e| invalid(s, e.reason))
    }
}

impl TryFrom<String> for DossierCode {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DossierCode> for String {
    fn from(c: DossierCode) -> String {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in [
            "H15.50.05.13-261008-0975",
            "000.00.12.H29-240207-0001",
            "H29-991231-9999",
        ] {
            assert_eq!(s.parse::<DossierCode>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn malformed_codes_are_refused_with_the_expected_form() {
        for bad in [
            "",
            "H15.50.05.13-261008",
            "H15.50.05.13-2610080-0975",
            "H15.50.05.13-261008-975",
            "h15-261008-0975",
            "H15.50.05.13-261308-0975",
            "H15.50.05.13-261008-0000",
            "H15.50.05.13-261008-09a5",
            "<script>-261008-0975",
        ] {
            assert!(bad.parse::<DossierCode>().is_err(), "{bad}");
        }
        assert_eq!(
            "H15-261308-0975"
                .parse::<DossierCode>()
                .unwrap_err()
                .to_string(),
            "invalid dossier code \"H15-261308-0975\": the date part is not a real date"
        );
        assert_eq!(
            "H15-261008-0000"
                .parse::<DossierCode>()
                .unwrap_err()
                .to_string(),
            "invalid dossier code \"H15-261008-0000\": the sequence number must be between 0001 and 9999"
        );
    }
}
