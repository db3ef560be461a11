//! How pages choose their language and show dates, money and time limits.

use axum::http::{HeaderMap, Uri, header};
use motcua_domain::catalog::{Audience, Channel, FeeKind, Level, OnlineLevel, ResultForm};
use motcua_domain::{TimeLimit, TimeUnit};

use super::LANG_COOKIE;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese, the default.
    Vi,
    /// English.
    En,
}

impl Lang {
    /// `vi` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other one.
    #[must_use]
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// One of a `(Vietnamese, English)` pair.
    pub fn pick<T>(self, (vi, en): (T, T)) -> T {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The language asked for with `?lang=` in the address.
pub fn lang_param(uri: &Uri) -> Option<Lang> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::parse)
}

/// The page's language: `?lang=` first, then the remembered choice, else Vietnamese.
pub fn lang(uri: &Uri, headers: &HeaderMap) -> Lang {
    lang_param(uri)
        .or_else(|| {
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|c| c.trim().strip_prefix(LANG_COOKIE)?.strip_prefix('='))
                .find_map(Lang::parse)
        })
        .unwrap_or(Lang::Vi)
}

/// The same address with `lang` set, every other parameter kept.
pub fn with_lang(uri: &Uri, lang: Lang) -> String {
    let mut query: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let param = format!("lang={}", lang.as_str());
    query.push(&param);
    format!("{}?{}", uri.path(), query.join("&"))
}

/// An instant as the API writes it (`2026-03-02T08:00:00+07:00`, local time of the
/// calendar) shown to people: `08:00 ngày 02/03/2026` or `02/03/2026 08:00`.
pub fn instant(rfc3339: &str, lang: Lang) -> String {
    let (Some(date), Some(time)) = (rfc3339.get(..10), rfc3339.get(11..16)) else {
        return rfc3339.to_owned();
    };
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return rfc3339.to_owned();
    };
    match lang {
        Lang::Vi => format!("{time} ngày {d}/{m}/{y}"),
        Lang::En => format!("{d}/{m}/{y} {time}"),
    }
}

/// An amount of đồng with thousands separated by dots, as Vietnamese write it:
/// `1.500.000 đồng`; nothing due reads `Miễn phí` / `Free`.
pub fn money(amount: u64, lang: Lang) -> String {
    if amount == 0 {
        return lang.pick(("Miễn phí", "Free")).to_owned();
    }
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} {}", lang.pick(("đồng", "VND")))
}

/// A time limit with its unit spelled out: `15 ngày làm việc`, `15 working days`.
pub fn time_limit(limit: TimeLimit, lang: Lang) -> String {
    match lang {
        Lang::Vi => limit.vietnamese(),
        Lang::En => limit.to_string(),
    }
}

/// Whether a unit counts only working time, as a sentence for the procedure page.
pub fn time_unit_note(unit: TimeUnit, lang: Lang) -> &'static str {
    lang.pick(match unit {
        TimeUnit::WorkingHours | TimeUnit::WorkingDays => (
            "Chỉ tính thời gian làm việc: không tính thứ Bảy, Chủ nhật và ngày nghỉ lễ, Tết.",
            "Only working time counts: Saturdays, Sundays and public holidays are not counted.",
        ),
        _ => (
            "Tính theo ngày lịch; nếu ngày hẹn trả rơi vào ngày nghỉ thì chuyển sang ngày làm việc kế tiếp.",
            "Counted in calendar days; an appointment that falls on a day off moves to the next working day.",
        ),
    })
}

/// A channel's name.
pub fn channel(c: Channel, lang: Lang) -> &'static str {
    lang.pick((
        c.vietnamese(),
        match c {
            Channel::Desk => "In person at the desk",
            Channel::Online => "Online",
            Channel::Postal => "By public post",
        },
    ))
}

/// A level of government.
pub fn level(l: Level, lang: Lang) -> &'static str {
    lang.pick(match l {
        Level::Central => ("Cấp Trung ương", "Central"),
        Level::Province => ("Cấp tỉnh", "Province"),
        Level::District => ("Cấp huyện", "District"),
        Level::Commune => ("Cấp xã", "Commune"),
    })
}

/// Who may apply.
pub fn audience(a: Audience, lang: Lang) -> &'static str {
    lang.pick(match a {
        Audience::Citizen => ("Công dân Việt Nam", "Vietnamese citizens"),
        Audience::OverseasVietnamese => {
            ("Người Việt Nam định cư ở nước ngoài", "Overseas Vietnamese")
        }
        Audience::Foreigner => ("Người nước ngoài", "Foreigners"),
        Audience::Organisation => ("Tổ chức, doanh nghiệp", "Organisations and businesses"),
    })
}

/// How far the procedure can be done online.
pub fn online_level(o: OnlineLevel, lang: Lang) -> &'static str {
    lang.pick(match o {
        OnlineLevel::Full => ("Dịch vụ công trực tuyến toàn trình", "Fully online"),
        OnlineLevel::Partial => ("Dịch vụ công trực tuyến một phần", "Partly online"),
        OnlineLevel::None => (
            "Chưa cung cấp dịch vụ công trực tuyến",
            "Not available online",
        ),
    })
}

/// Fee (phí) or charge (lệ phí).
pub fn fee_kind(k: FeeKind, lang: Lang) -> &'static str {
    lang.pick(match k {
        FeeKind::Fee => ("Phí", "Fee"),
        FeeKind::Charge => ("Lệ phí", "Charge"),
    })
}

/// Paper, electronic or both.
pub fn result_form(f: ResultForm, lang: Lang) -> &'static str {
    lang.pick(match f {
        ResultForm::Paper => ("Bản giấy", "On paper"),
        ResultForm::Electronic => ("Bản điện tử", "Electronic"),
        ResultForm::PaperAndElectronic => ("Bản giấy và bản điện tử", "On paper and electronic"),
    })
}

/// Working minutes left (negative: overdue), as people say it: `3 giờ 20 phút`,
/// `quá hạn 1 giờ 5 phút`.
pub fn minutes_left(m: i64, lang: Lang) -> String {
    let a = m.unsigned_abs();
    let (h, min) = (a / 60, a % 60);
    let span = match (h, min, lang) {
        (0, min, Lang::Vi) => format!("{min} phút"),
        (h, 0, Lang::Vi) => format!("{h} giờ"),
        (h, min, Lang::Vi) => format!("{h} giờ {min} phút"),
        (0, min, Lang::En) => format!("{min} min"),
        (h, 0, Lang::En) => format!("{h} h"),
        (h, min, Lang::En) => format!("{h} h {min} min"),
    };
    let working = lang.pick(("làm việc", "working time"));
    if m < 0 {
        format!("{} {span} {working}", lang.pick(("Quá hạn", "Overdue by")))
    } else {
        format!("{span} {working}")
    }
}

/// A verdict on time (`early`, `on-time`, `late`, `in-progress-on-time`, `in-progress-late`).
pub fn timeliness(t: &str, lang: Lang) -> &'static str {
    lang.pick(match t {
        "early" => ("Trước hạn", "Early"),
        "on-time" => ("Đúng hạn", "On time"),
        "late" => ("Quá hạn", "Late"),
        "in-progress-on-time" => ("Đang xử lý, trong hạn", "In progress, on time"),
        "in-progress-late" => ("Đang xử lý, quá hạn", "In progress, late"),
        _ => ("", ""),
    })
}

/// An event of the dossier's log, by its type.
pub fn event(kind: &str, lang: Lang) -> &'static str {
    lang.pick(match kind {
        "submitted" => ("Nộp hồ sơ trực tuyến", "Submitted online"),
        "received" => ("Tiếp nhận hồ sơ", "Received"),
        "supplement-requested" => ("Yêu cầu bổ sung, hoàn thiện hồ sơ", "Supplement requested"),
        "supplement-received" => ("Nhận hồ sơ bổ sung", "Supplement received"),
        "refused" => ("Từ chối tiếp nhận, giải quyết", "Refused"),
        "step-completed" => ("Hoàn thành bước, chuyển hồ sơ", "Step completed, handed on"),
        "returned-to-step" => ("Trả lại bước trước", "Sent back to an earlier step"),
        "payment-requested" => ("Yêu cầu thực hiện nghĩa vụ tài chính", "Payment requested"),
        "payment-received" => ("Đã thực hiện nghĩa vụ tài chính", "Paid"),
        "agency-opinion-requested" => (
            "Xin ý kiến cơ quan khác",
            "Opinion of another agency requested",
        ),
        "agency-opinion-received" => (
            "Nhận ý kiến cơ quan khác",
            "Opinion of another agency received",
        ),
        "apologized" => (
            "Xin lỗi và hẹn lại ngày trả kết quả",
            "Apology, new appointment",
        ),
        "withdrawn" => ("Rút hồ sơ", "Withdrawn"),
        "stopped" => ("Dừng xử lý", "Stopped"),
        "result-issued" => ("Ban hành kết quả", "Result issued"),
        "result-returned" => ("Trả kết quả", "Result returned"),
        _ => ("Sự kiện khác", "Other event"),
    })
}

/// A civil date as `dd/mm/yyyy`.
pub fn date(d: jiff::civil::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_thousands_with_dots() {
        assert_eq!(money(0, Lang::Vi), "Miễn phí");
        assert_eq!(money(8_000, Lang::Vi), "8.000 đồng");
        assert_eq!(money(1_500_000, Lang::En), "1.500.000 VND");
        assert_eq!(money(100, Lang::Vi), "100 đồng");
        assert_eq!(money(100_000, Lang::Vi), "100.000 đồng");
    }

    #[test]
    fn instants_read_as_local_time() {
        assert_eq!(
            instant("2026-03-02T08:05:00+07:00", Lang::Vi),
            "08:05 ngày 02/03/2026"
        );
        assert_eq!(
            instant("2026-03-02T08:05:00+07:00", Lang::En),
            "02/03/2026 08:05"
        );
        assert_eq!(instant("garbage", Lang::Vi), "garbage");
    }

    #[test]
    fn the_language_comes_from_the_address_then_the_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=b; motcua_lang=en".parse().unwrap());
        let uri: Uri = "/thu-tuc?q=khai+sinh".parse().unwrap();
        assert_eq!(lang(&uri, &headers), Lang::En);
        assert_eq!(lang(&uri, &HeaderMap::new()), Lang::Vi);
        let uri: Uri = "/thu-tuc?q=khai+sinh&lang=vi".parse().unwrap();
        assert_eq!(lang(&uri, &headers), Lang::Vi);
        assert_eq!(with_lang(&uri, Lang::En), "/thu-tuc?q=khai+sinh&lang=en");
        assert_eq!(with_lang(&"/".parse().unwrap(), Lang::En), "/?lang=en");
    }
}
