//! Legal time limits (thời hạn giải quyết): a value and an explicit unit.
//!
//! "15 ngày" where the law says "15 ngày làm việc" is the catalog defect localities report
//! most; here the unit is part of the type and is spelled out wherever a limit is shown.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The unit a time limit is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeUnit {
    /// Working hours (giờ làm việc): only time inside the calendar's sessions counts.
    WorkingHours,
    /// Working days (ngày làm việc): each is the length of the calendar's standard working
    /// day (8 hours with the default sessions), counted as working time.
    WorkingDays,
    /// Calendar days (ngày): wall-clock days; a deadline that lands on a day off moves to the
    /// same time on the next working day.
    CalendarDays,
    /// Months (tháng): calendar months (31 January + 1 month = end of February); a deadline
    /// that lands on a day off moves to the same time on the next working day.
    Months,
}

impl TimeUnit {
    /// Every unit, in the order they are listed to users.
    pub const ALL: [TimeUnit; 4] = [
        TimeUnit::WorkingHours,
        TimeUnit::WorkingDays,
        TimeUnit::CalendarDays,
        TimeUnit::Months,
    ];

    /// The machine name used in files, the API and the CLI (`working-days`…).
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::WorkingHours => "working-hours",
            TimeUnit::WorkingDays => "working-days",
            TimeUnit::CalendarDays => "calendar-days",
            TimeUnit::Months => "months",
        }
    }

    /// The Vietnamese name as printed on receipts (`ngày làm việc`…).
    pub fn vietnamese(self) -> &'static str {
        match self {
            TimeUnit::WorkingHours => "giờ làm việc",
            TimeUnit::WorkingDays => "ngày làm việc",
            TimeUnit::CalendarDays => "ngày",
            TimeUnit::Months => "tháng",
        }
    }

    /// Whether the unit counts only working time (as opposed to wall-clock time).
    pub fn is_working_time(self) -> bool {
        matches!(self, TimeUnit::WorkingHours | TimeUnit::WorkingDays)
    }

    /// The largest value accepted for this unit: about fifty years, so every computation
    /// stays bounded.
    pub fn max_value(self) -> u32 {
        match self {
            TimeUnit::WorkingHours => 100_000,
            TimeUnit::WorkingDays => 12_500,
            TimeUnit::CalendarDays => 18_250,
            TimeUnit::Months => 600,
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown time unit name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time unit {0:?}: expected working-hours, working-days, calendar-days or months")]
pub struct UnknownTimeUnit(pub String);

impl FromStr for TimeUnit {
    type Err = UnknownTimeUnit;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeUnit::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| UnknownTimeUnit(s.to_owned()))
    }
}

/// A time limit that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTimeLimit {
    /// The value is negative.
    #[error("the time limit must not be negative, got {0}")]
    Negative(i64),
    /// The value is beyond what any procedure could need.
    #[error("a time limit of {value} {unit} is too long: at most {max} {unit}")]
    TooLong {
        /// The value given.
        value: i64,
        /// Its unit.
        unit: TimeUnit,
        /// The largest accepted value.
        max: u32,
    },
}

/// A time limit: a value with its unit, e.g. 3 working days.
///
/// ```
/// use motcua_domain::{TimeLimit, TimeUnit};
/// let limit = TimeLimit::new(15, TimeUnit::WorkingDays).unwrap();
/// assert_eq!(limit.to_string(), "15 working days");
/// assert_eq!(limit.vietnamese(), "15 ngày làm việc");
/// assert!(TimeLimit::new(-1, TimeUnit::Months).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawTimeLimit", into = "RawTimeLimit")]
pub struct TimeLimit {
    value: u32,
    unit: TimeUnit,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeLimit {
    value: i64,
    unit: TimeUnit,
}

impl TryFrom<RawTimeLimit> for TimeLimit {
    type Error = InvalidTimeLimit;
    fn try_from(raw: RawTimeLimit) -> Result<Self, Self::Error> {
        TimeLimit::new(raw.value, raw.unit)
    }
}

impl From<TimeLimit> for RawTimeLimit {
    fn from(l: TimeLimit) -> Self {
        RawTimeLimit {
            value: i64::from(l.value),
            unit: l.unit,
        }
    }
}

impl TimeLimit {
    /// Builds a limit, refusing negative and absurdly long values.
    pub fn new(value: i64, unit: TimeUnit) -> Result<Self, InvalidTimeLimit> {
        if value < 0 {
            return Err(InvalidTimeLimit::Negative(value));
        }
        let max = unit.max_value();
        match u32::try_from(value) {
            Ok(v) if v <= max => Ok(TimeLimit { value: v, unit }),
            _ => Err(InvalidTimeLimit::TooLong { value, unit, max }),
        }
    }

    /// Shorthand for a limit in working hours; panics only on values beyond
    /// [`TimeUnit::max_value`], so use it for constants.
    pub fn working_hours(value: u32) -> Self {
        Self::new(i64::from(value), TimeUnit::WorkingHours).expect("a valid constant limit")
    }

    /// Shorthand for a limit in working days, for constants.
    pub fn working_days(value: u32) -> Self {
        Self::new(i64::from(value), TimeUnit::WorkingDays).expect("a valid constant limit")
    }

    /// Shorthand for a limit in calendar days, for constants.
    pub fn calendar_days(value: u32) -> Self {
        Self::new(i64::from(value), TimeUnit::CalendarDays).expect("a valid constant limit")
    }

    /// Shorthand for a limit in months, for constants.
    pub fn months(value: u32) -> Self {
        Self::new(i64::from(value), TimeUnit::Months).expect("a valid constant limit")
    }

    /// The number of units.
    pub fn value(self) -> u32 {
        self.value
    }

    /// The unit.
    pub fn unit(self) -> TimeUnit {
        self.unit
    }

    /// The limit as printed on Vietnamese receipts, e.g. `3 ngày làm việc`.
    pub fn vietnamese(self) -> String {
        format!("{} {}", self.value, self.unit.vietnamese())
    }
}

impl fmt::Display for TimeLimit {
    /// In words: `1 working day`, `3 working days`, `8 working hours`, `2 months`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (one, many) = match self.unit {
            TimeUnit::WorkingHours => ("working hour", "working hours"),
            TimeUnit::WorkingDays => ("working day", "working days"),
            TimeUnit::CalendarDays => ("calendar day", "calendar days"),
            TimeUnit::Months => ("month", "months"),
        };
        write!(
            f,
            "{} {}",
            self.value,
            if self.value == 1 { one } else { many }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_from_their_machine_names_only() {
        for unit in TimeUnit::ALL {
            assert_eq!(unit.as_str().parse::<TimeUnit>().unwrap(), unit);
        }
        let err = "days".parse::<TimeUnit>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown time unit \"days\": expected working-hours, working-days, calendar-days or months"
        );
    }

    #[test]
    fn limits_refuse_negative_and_excessive_values() {
        assert_eq!(
            TimeLimit::new(-3, TimeUnit::WorkingDays)
                .unwrap_err()
                .to_string(),
            "the time limit must not be negative, got -3"
        );
        assert_eq!(
            TimeLimit::new(601, TimeUnit::Months)
                .unwrap_err()
                .to_string(),
            "a time limit of 601 months is too long: at most 600 months"
        );
        assert_eq!(
            TimeLimit::new(0, TimeUnit::WorkingHours).unwrap().value(),
            0
        );
    }

    #[test]
    fn limits_read_as_words() {
        assert_eq!(TimeLimit::working_days(1).to_string(), "1 working day");
        assert_eq!(TimeLimit::working_hours(8).to_string(), "8 working hours");
        assert_eq!(TimeLimit::calendar_days(2).to_string(), "2 calendar days");
        assert_eq!(TimeLimit::months(1).to_string(), "1 month");
        assert_eq!(TimeLimit::months(0).vietnamese(), "0 tháng");
    }

    #[test]
    fn limits_deserialize_with_validation() {
        let l: TimeLimit = serde_json::from_str(r#"{"value":15,"unit":"working-days"}"#).unwrap();
        assert_eq!(l, TimeLimit::working_days(15));
        assert!(serde_json::from_str::<TimeLimit>(r#"{"value":-1,"unit":"months"}"#).is_err());
        assert!(serde_json::from_str::<TimeLimit>(r#"{"value":1,"unit":"weeks"}"#).is_err());
    }
}
