//! Generated Vietnamese names, addresses and texts: plausible, never real people.

use fastrand::Rng;
use motcua_domain::dossier::{Applicant, ApplicantKind};

/// Common Vietnamese family names.
pub const FAMILY: [&str; 20] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Mai",
];
/// Common Vietnamese middle names.
pub const MIDDLE: [&str; 16] = [
    "Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng", "Đức", "Thu", "Quang", "Gia", "Bảo", "Kim",
    "Hữu", "Xuân", "Thảo", "Anh",
];
/// Common Vietnamese given names.
pub const GIVEN: [&str; 40] = [
    "An", "Bình", "Châu", "Chi", "Dũng", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa",
    "Hùng", "Hương", "Khang", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngân",
    "Nhung", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thịnh", "Trang", "Trí",
    "Tuấn", "Uyên", "Vy", "Yến", "Đạt", "Ánh",
];
/// Common Vietnamese street names.
pub const STREETS: [&str; 16] = [
    "Lê Lợi",
    "Nguyễn Huệ",
    "Hai Bà Trưng",
    "Điện Biên Phủ",
    "Cách Mạng Tháng Tám",
    "Nguyễn Thị Minh Khai",
    "Võ Văn Tần",
    "Trần Hưng Đạo",
    "Lý Thường Kiệt",
    "Phan Đăng Lưu",
    "Nguyễn Văn Linh",
    "Lê Văn Sỹ",
    "Hoàng Văn Thụ",
    "Pasteur",
    "Nam Kỳ Khởi Nghĩa",
    "Tôn Đức Thắng",
];
const BUSINESS: [&str; 8] = [
    "Công ty TNHH Thương mại",
    "Công ty Cổ phần Đầu tư",
    "Hộ kinh doanh",
    "Công ty TNHH Dịch vụ",
    "Công ty Cổ phần Xây dựng",
    "Công ty TNHH Sản xuất",
    "Hợp tác xã",
    "Công ty TNHH Kỹ thuật",
];
/// Parts of place names, for generated wards and communes.
const PLACES: [&str; 30] = [
    "An Phú",
    "Bình Hưng",
    "Tân Thuận",
    "Phước Long",
    "Hiệp Bình",
    "Long Trường",
    "Tăng Nhơn",
    "Phú Hữu",
    "Thạnh Mỹ",
    "Tân Sơn",
    "Bình Trị",
    "An Lạc",
    "Tân Tạo",
    "Vĩnh Lộc",
    "Đông Hưng",
    "Xuân Thới",
    "Tân Hiệp",
    "Nhị Bình",
    "Phú Hòa",
    "Trung An",
    "Thái Mỹ",
    "Bình Mỹ",
    "Long Hòa",
    "Lý Nhơn",
    "Phong Phú",
    "Hưng Long",
    "Đa Phước",
    "Quy Đức",
    "Tân Nhựt",
    "Lê Minh Xuân",
];
const QUALIFIERS: [&str; 12] = [
    "trường hợp cấp lại",
    "có yếu tố nước ngoài",
    "đối với hộ gia đình, cá nhân",
    "đối với tổ chức",
    "trường hợp điều chỉnh, bổ sung",
    "trường hợp gia hạn",
    "thực hiện tại cấp xã",
    "trường hợp thay đổi thông tin",
    "đối với người cao tuổi",
    "trường hợp ủy quyền",
    "trường hợp mất, hư hỏng",
    "liên thông",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

/// A person's full name.
pub(crate) fn person(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        pick(rng, &FAMILY),
        pick(rng, &MIDDLE),
        pick(rng, &GIVEN)
    )
}

/// An applicant: a person most of the time, sometimes a business.
pub(crate) fn applicant(rng: &mut Rng) -> Applicant {
    let business = rng.f64() < 0.08;
    let name = if business {
        format!("{} {}", pick(rng, &BUSINESS), pick(rng, &PLACES))
    } else {
        person(rng)
    };
    Applicant {
        name,
        kind: if business {
            ApplicantKind::Organisation
        } else {
            ApplicantKind::Individual
        },
        id_number: Some(if business {
            format!("03{:08}", rng.u32(..100_000_000))
        } else {
            format!("079{}{:08}", rng.u8(0..4), rng.u32(..100_000_000))
        }),
        phone: Some(format!("09{:08}", rng.u32(..100_000_000))),
        email: None,
        address: Some(format!(
            "Số {} đường {}, Thành phố Hồ Chí Minh",
            rng.u32(1..500),
            pick(rng, &STREETS)
        )),
    }
}

/// The `n`-th generated commune or ward: its key and its name.
pub(crate) fn commune(n: usize) -> (String, String) {
    let place = PLACES[n % PLACES.len()];
    let round = n / PLACES.len();
    let ward = n % 3 != 2;
    let kind = if ward { "phường" } else { "xã" };
    let name = if round > 0 {
        format!("{kind} {place} {}", round + 1)
    } else {
        format!("{kind} {place}")
    };
    let key = format!(
        "{}-{}{}",
        if ward { "phuong" } else { "xa" },
        slug(place),
        if round > 0 {
            format!("-{}", round + 1)
        } else {
            String::new()
        }
    );
    (key, name)
}

/// A title of the template commune's official, for another commune.
pub(crate) fn retitle(title: &str, commune: &str) -> String {
    match title.find("phường").or_else(|| title.find("xã ")) {
        Some(i) => format!("{}{commune}", &title[..i]),
        None => title.to_owned(),
    }
}

/// A qualifier that makes a variant of a procedure's name.
pub(crate) fn qualifier(variant: usize) -> String {
    let q = QUALIFIERS[variant % QUALIFIERS.len()];
    match variant / QUALIFIERS.len() {
        0 => q.to_owned(),
        round => format!("{q}, mẫu {}", round + 1),
    }
}

/// What a supplement request asks for.
pub(crate) fn missing(rng: &mut Rng) -> String {
    pick(
        rng,
        &[
            "Bản sao giấy tờ chứng minh nơi cư trú",
            "Bản chính tờ khai có chữ ký của người yêu cầu",
            "Văn bản ủy quyền có chứng thực",
            "Bản vẽ thiết kế có xác nhận của đơn vị tư vấn",
            "Giấy tờ chứng minh quyền sử dụng đất",
        ],
    )
    .to_owned()
}

/// Why an online submission is refused.
pub(crate) fn refusal(rng: &mut Rng) -> String {
    pick(
        rng,
        &[
            "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị",
            "Thành phần hồ sơ không đúng quy định",
            "Thông tin kê khai không trùng khớp với Cơ sở dữ liệu quốc gia về dân cư",
        ],
    )
    .to_owned()
}

/// Why a dossier will be late (form 04).
pub(crate) fn apology(rng: &mut Rng) -> String {
    pick(
        rng,
        &[
            "Cần xác minh thêm thông tin với cơ quan liên quan",
            "Số lượng hồ sơ tăng đột biến trong kỳ",
            "Chờ ý kiến của cơ quan chuyên môn",
        ],
    )
    .to_owned()
}

/// A key from a Vietnamese name: lower case, no diacritics, words joined by `-`.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ'
            | 'ẩ' | 'ẫ' | 'ậ' | 'A' => 'a',
            'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' => {
                'e'
            }
            'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
            'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ'
            | 'ở' | 'ỡ' | 'ợ' => 'o',
            'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' => {
                'u'
            }
            'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
            'đ' | 'Đ' => 'd',
            ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_communes_have_distinct_keys_and_vietnamese_names() {
        let all: Vec<(String, String)> = (0..400).map(commune).collect();
        let mut keys: Vec<&String> = all.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 400);
        assert_eq!(commune(0), ("phuong-an-phu".into(), "phường An Phú".into()));
        assert_eq!(
            commune(32),
            ("xa-tan-thuan-2".into(), "xã Tân Thuận 2".into())
        );
        assert_eq!(slug("Lê Minh Xuân"), "le-minh-xuan");
    }
}
