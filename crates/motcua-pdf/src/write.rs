//! Writing laid-out pages as PDF: one Type 0 font per style used (a TrueType subset with
//! Identity-H encoding, its widths and a `ToUnicode` map), one content stream per page.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::PdfError;
use crate::font::face;
use crate::layout::{Document, Item, Page, Style};

/// The glyphs a style uses: old glyph → new glyph, and what each new one stands for.
struct Used {
    remapper: GlyphRemapper,
    /// By new glyph id: the original glyph and its character.
    glyphs: BTreeMap<u16, (u16, char)>,
}

impl Used {
    fn new() -> Used {
        Used {
            remapper: GlyphRemapper::new(),
            glyphs: BTreeMap::new(),
        }
    }

    /// The text encoded as the subset's glyph ids, two bytes each.
    fn encode(&mut self, style: Style, text: &str) -> Vec<u8> {
        let f = face(style);
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let old = f.gid(c);
            let new = self.remapper.remap(old);
            self.glyphs.entry(new).or_insert((old, c));
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

/// A subset tag: six capitals derived from the style, as PDF asks for subset fonts.
fn tag(style: Style) -> &'static str {
    match style {
        Style::Regular => "MCUARG",
        Style::Bold => "MCUABD",
        Style::Italic => "MCUAIT",
    }
}

/// Deflated, as `FlateDecode` streams are.
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

fn font_name(style: Style) -> Name<'static> {
    match style {
        Style::Regular => Name(b"F0"),
        Style::Bold => Name(b"F1"),
        Style::Italic => Name(b"F2"),
    }
}

pub(crate) fn write(doc: &Document, pages: &[Page]) -> Result<Vec<u8>, PdfError> {
    let (pw, ph) = doc.page_size();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let mut pdf = Pdf::new();
    let mut used: BTreeMap<Style, Used> = BTreeMap::new();

    // Content first: it decides which glyphs each font needs.
    let mut page_refs = Vec::new();
    let mut contents = Vec::new();
    for page in pages {
        let mut c = Content::new();
        for item in &page.items {
            match item {
                Item::Text {
                    x,
                    y,
                    size,
                    style,
                    text,
                } => {
                    let bytes = used
                        .entry(*style)
                        .or_insert_with(Used::new)
                        .encode(*style, text);
                    c.begin_text();
                    c.set_font(font_name(*style), *size);
                    c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, ph - y]);
                    c.show(Str(&bytes));
                    c.end_text();
                }
                Item::Fill { x, y, w, h } => {
                    c.rect(*x, ph - y - h, *w, *h);
                    c.fill_nonzero();
                }
                Item::Frame { x, y, w, h } => {
                    c.set_line_width(0.5);
                    c.rect(*x, ph - y - h, *w, *h);
                    c.stroke();
                }
                Item::Line { x1, y1, x2, y2 } => {
                    c.set_line_width(0.6);
                    c.move_to(*x1, ph - y1);
                    c.line_to(*x2, ph - y2);
                    c.stroke();
                }
            }
        }
        page_refs.push(alloc());
        contents.push((alloc(), c.finish()));
    }

    // One font per style used.
    let mut fonts = Vec::new();
    for (style, u) in &used {
        let f = face(*style);
        let subset = subsetter::subset(f.data, 0, &u.remapper)
            .map_err(|e| PdfError::Subset(e.to_string()))?;
        let (type0, cid, descriptor, file, cmap) = (alloc(), alloc(), alloc(), alloc(), alloc());
        let base = format!("{}+{}", tag(*style), f.postscript_name);
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(type0)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(Name(base.as_bytes()))
            .system_info(system)
            .font_descriptor(descriptor)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = (0..u.remapper.num_gids())
            .map(|new| {
                let old = u.glyphs.get(&new).map_or(0, |g| g.0);
                f.advance(old) * 1000.0
            })
            .collect();
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();
        let bbox = f.tables.global_bounding_box();
        let mut flags = FontFlags::SERIF | FontFlags::NON_SYMBOLIC;
        if *style == Style::Italic {
            flags |= FontFlags::ITALIC;
        }
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(flags)
            .bbox(Rect::new(
                f.per_mille(bbox.x_min),
                f.per_mille(bbox.y_min),
                f.per_mille(bbox.x_max),
                f.per_mille(bbox.y_max),
            ))
            .italic_angle(f.tables.italic_angle())
            .ascent(f.per_mille(f.tables.ascender()))
            .descent(f.per_mille(f.tables.descender()))
            .cap_height(f.per_mille(f.tables.capital_height().unwrap_or(f.tables.ascender())))
            .stem_v(if *style == Style::Bold { 140.0 } else { 80.0 })
            .font_file2(file);
        let packed = deflate(&subset);
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);
        let mut map = UnicodeCmap::new(Name(b"Custom"), system);
        for (new, (_, c)) in &u.glyphs {
            map.pair(*new, *c);
        }
        let packed = deflate(&map.finish());
        pdf.cmap(cmap, &packed)
            .system_info(system)
            .filter(Filter::FlateDecode);
        fonts.push((*style, type0));
    }

    pdf.catalog(catalog).pages(tree);
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(page_refs.len() as i32);
    for (page_ref, (content_ref, _)) in page_refs.iter().zip(&contents) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, pw, ph))
            .parent(tree)
            .contents(*content_ref);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (style, r) in &fonts {
            font_dict.pair(font_name(*style), *r);
        }
        font_dict.finish();
        resources.finish();
        page.finish();
    }
    for (content_ref, data) in &contents {
        pdf.stream(*content_ref, &deflate(data))
            .filter(Filter::FlateDecode);
    }
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .producer(TextStr("motcua"));
    Ok(pdf.finish())
}
