//! Text normalisation for search that ignores Vietnamese diacritics.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, removes diacritics (`đ`/`Đ` become `d`) and collapses white space, so that
/// `dang ky khai sinh` finds `Đăng ký khai sinh`.
///
/// ```
/// use motcua_store::normalize;
/// assert_eq!(normalize("  Đăng ký   KHAI SINH "), "dang ky khai sinh");
/// assert_eq!(normalize("Nguyễn Thị Ánh"), "nguyen thi anh");
/// ```
pub fn normalize(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vietnamese_vowel_loses_its_marks() {
        let pairs = [
            ("àáảãạăằắẳẵặâầấẩẫậ", "aaaaaaaaaaaaaaaaa"),
            ("èéẻẽẹêềếểễệ", "eeeeeeeeeee"),
            ("ìíỉĩị", "iiiii"),
            ("òóỏõọôồốổỗộơờớởỡợ", "ooooooooooooooooo"),
            ("ùúủũụưừứửữự", "uuuuuuuuuuu"),
            ("ỳýỷỹỵ", "yyyyy"),
            ("ĐđÀỆỮ", "ddaeu"),
        ];
        for (vi, plain) in pairs {
            assert_eq!(normalize(vi), plain);
        }
    }

    #[test]
    fn decomposed_input_normalises_like_composed_input() {
        // "Việt" typed with combining marks (NFD) as some keyboards produce.
        assert_eq!(normalize("Vie\u{0323}\u{0302}t"), normalize("Việt"));
    }
}
