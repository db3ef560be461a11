//! The embedded faces and their metrics.

use std::sync::OnceLock;

use ttf_parser::GlyphId;

use crate::layout::Style;

static REGULAR: &[u8] = include_bytes!("../fonts/LiberationSerif-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/LiberationSerif-Bold.ttf");
static ITALIC: &[u8] = include_bytes!("../fonts/LiberationSerif-Italic.ttf");

/// One face: its file and what layout needs of it.
pub(crate) struct Face {
    pub data: &'static [u8],
    pub tables: ttf_parser::Face<'static>,
    pub postscript_name: &'static str,
    upem: f32,
}

impl Face {
    fn load(data: &'static [u8], postscript_name: &'static str) -> Face {
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded font parses");
        Face {
            data,
            upem: f32::from(face.units_per_em()),
            tables: face,
            postscript_name,
        }
    }

    /// The glyph of a character (0, the missing glyph, when the face has none).
    pub fn gid(&self, c: char) -> u16 {
        self.tables.glyph_index(c).map_or(0, |g| g.0)
    }

    /// A glyph's advance, in ems.
    pub fn advance(&self, gid: u16) -> f32 {
        f32::from(self.tables.glyph_hor_advance(GlyphId(gid)).unwrap_or(0)) / self.upem
    }

    /// The width of a text at a size, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(self.gid(c))).sum::<f32>() * size
    }

    /// A font unit in thousandths of an em, as PDF font dictionaries count.
    pub fn per_mille(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / self.upem
    }

    /// The ascender, in ems.
    pub fn ascent(&self) -> f32 {
        f32::from(self.tables.ascender()) / self.upem
    }
}

/// The face of a style.
pub(crate) fn face(style: Style) -> &'static Face {
    static FACES: OnceLock<[Face; 3]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        [
            Face::load(REGULAR, "LiberationSerif"),
            Face::load(BOLD, "LiberationSerif-Bold"),
            Face::load(ITALIC, "LiberationSerif-Italic"),
        ]
    });
    &faces[style.index()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vietnamese_letter_has_a_glyph_in_every_style() {
        let lower = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ";
        let all: String = lower.chars().chain(lower.to_uppercase().chars()).collect();
        for style in [Style::Regular, Style::Bold, Style::Italic] {
            let f = face(style);
            let missing: String = all.chars().filter(|c| f.gid(*c) == 0).collect();
            assert!(missing.is_empty(), "{style:?} lacks {missing}");
            assert!(f.width("Hồ sơ", 13.0) > 20.0);
        }
    }
}
