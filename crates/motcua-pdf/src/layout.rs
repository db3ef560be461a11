//! The document model and its layout on pages. Coordinates here run from the page's top
//! left corner downwards, in points; the writer turns them the PDF way up.

use unicode_normalization::UnicodeNormalization;

use crate::font::face;
use crate::{PdfError, mm};

/// Line height, as a multiple of the type size (1.2 is what word processors call single).
const LEADING: f32 = 1.2;
/// Space between a table cell's border and its text.
const CELL_PAD: f32 = 3.0;

/// A face of the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    /// Upright.
    Regular,
    /// Bold: titles, the motto, headings.
    Bold,
    /// Italic: the place and date line, instructions in parentheses.
    Italic,
}

impl Style {
    pub(crate) fn index(self) -> usize {
        match self {
            Style::Regular => 0,
            Style::Bold => 1,
            Style::Italic => 2,
        }
    }
}

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The text; `\n` breaks the line.
    pub text: String,
    /// Its style.
    pub style: Style,
}

impl Span {
    /// Upright text.
    pub fn regular(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            style: Style::Regular,
        }
    }

    /// Bold text.
    pub fn bold(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            style: Style::Bold,
        }
    }

    /// Italic text.
    pub fn italic(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            style: Style::Italic,
        }
    }
}

/// Where lines sit between the margins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// A paragraph: runs of text wrapped at word boundaries.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// Its runs.
    pub spans: Vec<Span>,
    /// Type size in points (official documents: 13 or 14).
    pub size: f32,
    /// Alignment.
    pub align: Align,
    /// Space above, in points.
    pub before: f32,
    /// Space below, in points.
    pub after: f32,
    /// Left indent, in points.
    pub indent: f32,
}

impl Paragraph {
    /// A paragraph of runs, 13 pt, flush left, 3 pt below.
    pub fn new(spans: Vec<Span>) -> Paragraph {
        Paragraph {
            spans,
            size: 13.0,
            align: Align::Left,
            before: 0.0,
            after: 3.0,
            indent: 0.0,
        }
    }

    /// Upright text.
    pub fn text(text: impl Into<String>) -> Paragraph {
        Paragraph::new(vec![Span::regular(text)])
    }

    /// Bold text.
    pub fn bold(text: impl Into<String>) -> Paragraph {
        Paragraph::new(vec![Span::bold(text)])
    }

    /// Italic text.
    pub fn italic(text: impl Into<String>) -> Paragraph {
        Paragraph::new(vec![Span::italic(text)])
    }

    /// A label in upright text followed by its value in bold (`Mã hồ sơ: H29…`).
    pub fn field(label: impl Into<String>, value: impl Into<String>) -> Paragraph {
        Paragraph::new(vec![Span::regular(label), Span::bold(value)])
    }

    /// At this size.
    #[must_use]
    pub fn size(mut self, size: f32) -> Self {
        self.size = size;
        self
    }

    /// Centred.
    #[must_use]
    pub fn center(mut self) -> Self {
        self.align = Align::Center;
        self
    }

    /// Flush right.
    #[must_use]
    pub fn right(mut self) -> Self {
        self.align = Align::Right;
        self
    }

    /// With this space above.
    #[must_use]
    pub fn before(mut self, points: f32) -> Self {
        self.before = points;
        self
    }

    /// With this space below.
    #[must_use]
    pub fn after(mut self, points: f32) -> Self {
        self.after = points;
        self
    }

    /// Indented by this much.
    #[must_use]
    pub fn indent(mut self, points: f32) -> Self {
        self.indent = points;
        self
    }
}

/// A table cell: paragraphs in a bordered box.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// Its paragraphs, top to bottom.
    pub paras: Vec<Paragraph>,
}

impl From<Paragraph> for Cell {
    fn from(p: Paragraph) -> Cell {
        Cell { paras: vec![p] }
    }
}

impl From<&str> for Cell {
    fn from(t: &str) -> Cell {
        Paragraph::text(t).size(11.0).after(0.0).into()
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Cell {
        Paragraph::text(t).size(11.0).after(0.0).into()
    }
}

/// A bordered table whose rows continue on the next page, the header rows repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column widths, in proportion to each other.
    pub widths: Vec<f32>,
    /// How many of the first rows are the header.
    pub header_rows: usize,
    /// The rows; each has one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

/// What a page is made of, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph (may continue on the next page).
    Para(Paragraph),
    /// A table.
    Table(Table),
    /// Columns side by side, each a width in proportion and its blocks (paragraphs, spaces,
    /// rules, QR codes); the whole row stays on one page.
    Columns(Vec<(f32, Vec<Block>)>),
    /// A QR code of this text, this many points wide, placed as aligned.
    Qr {
        /// What it encodes (a link).
        data: String,
        /// Its width and height, quiet zone included.
        size: f32,
        /// Where it sits.
        align: Align,
    },
    /// A horizontal line this many points long (the short rule under the motto).
    Rule {
        /// Its length.
        length: f32,
        /// Where it sits.
        align: Align,
    },
    /// Vertical space.
    Space(f32),
}

/// A document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its title (in the file's properties).
    pub title: String,
    /// Landscape A4 (the register) rather than portrait.
    pub landscape: bool,
    /// Its content.
    pub blocks: Vec<Block>,
}

impl Document {
    /// A portrait A4 document.
    pub fn portrait(title: impl Into<String>, blocks: Vec<Block>) -> Document {
        Document {
            title: title.into(),
            landscape: false,
            blocks,
        }
    }

    /// A landscape A4 document.
    pub fn landscape(title: impl Into<String>, blocks: Vec<Block>) -> Document {
        Document {
            title: title.into(),
            landscape: true,
            blocks,
        }
    }

    /// The page's width and height, in points.
    pub(crate) fn page_size(&self) -> (f32, f32) {
        let (w, h) = (mm(210.0), mm(297.0));
        if self.landscape { (h, w) } else { (w, h) }
    }
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// Text whose baseline starts at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        style: Style,
        text: String,
    },
    /// A filled black rectangle (QR modules), top left at (x, y).
    Fill { x: f32, y: f32, w: f32, h: f32 },
    /// A stroked rectangle (cell borders), top left at (x, y).
    Frame { x: f32, y: f32, w: f32, h: f32 },
    /// A line.
    Line { x1: f32, y1: f32, x2: f32, y2: f32 },
}

/// One laid-out page.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub items: Vec<Item>,
}

/// Margins of administrative documents (Decree 30/2020/NĐ-CP): top and bottom 20 mm, left
/// 30 mm, right 15 mm.
fn margins() -> (f32, f32, f32, f32) {
    (mm(20.0), mm(20.0), mm(30.0), mm(15.0))
}

/// A laid-out line: its runs (style, text, width) and total width.
struct Line {
    runs: Vec<(Style, String, f32)>,
    width: f32,
}

/// Breaks a paragraph into lines no wider than `width`.
fn break_lines(p: &Paragraph, width: f32) -> Vec<Line> {
    let avail = (width - p.indent).max(1.0);
    let mut lines = vec![Line {
        runs: Vec::new(),
        width: 0.0,
    }];
    let push = |lines: &mut Vec<Line>, style: Style, text: &str, w: f32| {
        let line = lines.last_mut().expect("one line at least");
        match line.runs.last_mut() {
            Some((s, t, tw)) if *s == style => {
                t.push_str(text);
                *tw += w;
            }
            _ => line.runs.push((style, text.to_owned(), w)),
        }
        line.width += w;
    };
    let new_line = |lines: &mut Vec<Line>| {
        trim_end(lines.last_mut().expect("one line at least"), p.size);
        lines.push(Line {
            runs: Vec::new(),
            width: 0.0,
        });
    };
    for span in &p.spans {
        let f = face(span.style);
        let text: String = span.text.nfc().collect();
        for (i, hard) in text.split('\n').enumerate() {
            if i > 0 {
                new_line(&mut lines);
            }
            for token in tokens(hard) {
                let w = f.width(token, p.size);
                let line_width = lines.last().map_or(0.0, |l| l.width);
                let is_space = token.chars().all(char::is_whitespace);
                if line_width + w > avail && line_width > 0.0 {
                    if is_space {
                        continue;
                    }
                    new_line(&mut lines);
                }
                if is_space && lines.last().is_some_and(|l| l.runs.is_empty()) {
                    continue;
                }
                if w <= avail {
                    push(&mut lines, span.style, token, w);
                    continue;
                }
                // A word longer than the line: break it between characters.
                for c in token.chars() {
                    let cw = f.width(c.encode_utf8(&mut [0; 4]), p.size);
                    if lines.last().map_or(0.0, |l| l.width) + cw > avail {
                        new_line(&mut lines);
                    }
                    push(&mut lines, span.style, c.encode_utf8(&mut [0; 4]), cw);
                }
            }
        }
    }
    trim_end(lines.last_mut().expect("one line at least"), p.size);
    lines
}

/// Drops the spaces at the end of a line.
fn trim_end(line: &mut Line, size: f32) {
    while let Some((style, text, w)) = line.runs.last_mut() {
        let trimmed = text.trim_end().len();
        if trimmed == text.len() {
            break;
        }
        let gone = face(*style).width(&text[trimmed..], size);
        text.truncate(trimmed);
        *w -= gone;
        line.width -= gone;
        if text.is_empty() {
            line.runs.pop();
        } else {
            break;
        }
    }
}

/// Words and the spaces between them, in order.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let space = first.is_whitespace();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace() != space)
            .map_or(rest.len(), |(i, _)| i);
        let (token, tail) = rest.split_at(end);
        rest = tail;
        Some(token)
    })
}

fn line_height(p: &Paragraph) -> f32 {
    p.size * LEADING
}

/// Draws one line with its top at `top`.
fn draw_line(items: &mut Vec<Item>, p: &Paragraph, line: &Line, x: f32, width: f32, top: f32) {
    let left = x + p.indent;
    let avail = width - p.indent;
    let mut cx = match p.align {
        Align::Left => left,
        Align::Center => left + (avail - line.width) / 2.0,
        Align::Right => left + avail - line.width,
    };
    // The baseline: the ascender below the top, plus half the extra leading.
    let baseline = top + p.size * (LEADING - 1.0) / 2.0 + face(Style::Regular).ascent() * p.size;
    for (style, text, w) in &line.runs {
        items.push(Item::Text {
            x: cx,
            y: baseline,
            size: p.size,
            style: *style,
            text: text.clone(),
        });
        cx += w;
    }
}

/// The height of blocks placed in a box of this width (no page breaks).
fn fixed_height(blocks: &[Block], width: f32) -> f32 {
    let mut items = Vec::new();
    place_fixed(&mut items, blocks, 0.0, 0.0, width)
}

/// Places blocks in a box (a column, a cell) without breaking pages; returns the height.
fn place_fixed(items: &mut Vec<Item>, blocks: &[Block], x: f32, top: f32, width: f32) -> f32 {
    let mut y = top;
    for b in blocks {
        match b {
            Block::Para(p) => {
                y += p.before;
                for line in break_lines(p, width) {
                    draw_line(items, p, &line, x, width, y);
                    y += line_height(p);
                }
                y += p.after;
            }
            Block::Space(h) => y += h,
            Block::Rule { length, align } => {
                let x1 = aligned(x, width, *length, *align);
                items.push(Item::Line {
                    x1,
                    y1: y + 3.0,
                    x2: x1 + length,
                    y2: y + 3.0,
                });
                y += 7.0;
            }
            Block::Qr { .. } => {
                // Checked before layout: every QR code encodes.
                if let Ok(h) = place_qr(items, b, x, y, width) {
                    y += h;
                }
            }
            Block::Table(t) => {
                for row in &t.rows {
                    let h = row_height(t, row, width);
                    draw_row(items, t, row, x, y, width, h);
                    y += h;
                }
            }
            Block::Columns(cols) => {
                y += place_columns(items, cols, x, y, width);
            }
        }
    }
    y - top
}

fn aligned(x: f32, width: f32, w: f32, align: Align) -> f32 {
    match align {
        Align::Left => x,
        Align::Center => x + (width - w) / 2.0,
        Align::Right => x + width - w,
    }
}

fn place_qr(items: &mut Vec<Item>, b: &Block, x: f32, y: f32, width: f32) -> Result<f32, PdfError> {
    let Block::Qr { data, size, align } = b else {
        return Ok(0.0);
    };
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| PdfError::QrTooLong(data.len()))?;
    let n = code.width();
    let quiet = 2;
    #[allow(clippy::cast_precision_loss)]
    let module = size / (n + 2 * quiet) as f32;
    let left = aligned(x, width, *size, *align);
    let colors = code.to_colors();
    for row in 0..n {
        // One rectangle per run of dark modules in the row.
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                #[allow(clippy::cast_precision_loss)]
                items.push(Item::Fill {
                    x: left + (start + quiet) as f32 * module,
                    y: y + (row + quiet) as f32 * module,
                    w: (col - start) as f32 * module,
                    h: module,
                });
            } else {
                col += 1;
            }
        }
    }
    Ok(*size)
}

fn column_widths(widths: &[f32], total: f32) -> Vec<f32> {
    let sum: f32 = widths.iter().sum();
    widths.iter().map(|w| w / sum * total).collect()
}

fn place_columns(
    items: &mut Vec<Item>,
    cols: &[(f32, Vec<Block>)],
    x: f32,
    top: f32,
    width: f32,
) -> f32 {
    let widths = column_widths(&cols.iter().map(|c| c.0).collect::<Vec<_>>(), width);
    let mut cx = x;
    let mut height: f32 = 0.0;
    for ((_, blocks), w) in cols.iter().zip(widths) {
        height = height.max(place_fixed(items, blocks, cx, top, w));
        cx += w;
    }
    height
}

fn cell_blocks(cell: &Cell) -> Vec<Block> {
    cell.paras.iter().cloned().map(Block::Para).collect()
}

fn row_height(t: &Table, row: &[Cell], width: f32) -> f32 {
    let widths = column_widths(&t.widths, width);
    row.iter()
        .zip(&widths)
        .map(|(cell, w)| fixed_height(&cell_blocks(cell), w - 2.0 * CELL_PAD) + 2.0 * CELL_PAD)
        .fold(0.0, f32::max)
}

fn draw_row(items: &mut Vec<Item>, t: &Table, row: &[Cell], x: f32, top: f32, width: f32, h: f32) {
    let widths = column_widths(&t.widths, width);
    let mut cx = x;
    for (cell, w) in row.iter().zip(widths) {
        items.push(Item::Frame {
            x: cx,
            y: top,
            w,
            h,
        });
        place_fixed(
            items,
            &cell_blocks(cell),
            cx + CELL_PAD,
            top + CELL_PAD,
            w - 2.0 * CELL_PAD,
        );
        cx += w;
    }
}

/// The flow of blocks down pages.
struct Flow {
    pages: Vec<Page>,
    y: f32,
    top: f32,
    bottom: f32,
    x: f32,
    width: f32,
}

impl Flow {
    fn items(&mut self) -> &mut Vec<Item> {
        &mut self.pages.last_mut().expect("a page").items
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.top;
    }

    /// Makes room for `h` points, on a new page if need be (unless the page is empty).
    fn room(&mut self, h: f32) {
        if self.y + h > self.bottom && self.y > self.top {
            self.new_page();
        }
    }
}

/// Lays a document out on pages.
pub(crate) fn lay_out(doc: &Document) -> Result<Vec<Page>, PdfError> {
    let (pw, ph) = doc.page_size();
    let (top, bottom, left, right) = margins();
    let mut flow = Flow {
        pages: vec![Page::default()],
        y: top,
        top,
        bottom: ph - bottom,
        x: left,
        width: pw - left - right,
    };
    for b in &doc.blocks {
        match b {
            Block::Para(p) => {
                flow.y += p.before;
                let (x, width) = (flow.x, flow.width);
                for line in break_lines(p, width) {
                    flow.room(line_height(p));
                    let y = flow.y;
                    draw_line(flow.items(), p, &line, x, width, y);
                    flow.y += line_height(p);
                }
                flow.y += p.after;
            }
            Block::Table(t) => {
                let (x, width) = (flow.x, flow.width);
                let header: Vec<&Vec<Cell>> = t.rows.iter().take(t.header_rows).collect();
                let header_h: f32 = header.iter().map(|r| row_height(t, r, width)).sum();
                for (i, row) in t.rows.iter().enumerate() {
                    let h = row_height(t, row, width);
                    let before = flow.pages.len();
                    // A header row keeps the first body row with it.
                    flow.room(if i < t.header_rows { header_h + h } else { h });
                    if flow.pages.len() > before && i >= t.header_rows {
                        for r in &header {
                            let rh = row_height(t, r, width);
                            let y = flow.y;
                            draw_row(flow.items(), t, r, x, y, width, rh);
                            flow.y += rh;
                        }
                    }
                    let y = flow.y;
                    draw_row(flow.items(), t, row, x, y, width, h);
                    flow.y += h;
                }
                flow.y += 6.0;
            }
            Block::Qr { data, size, .. } => {
                qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
                    .map_err(|_| PdfError::QrTooLong(data.len()))?;
                flow.room(*size);
                let (x, y, width) = (flow.x, flow.y, flow.width);
                flow.y += place_qr(flow.items(), b, x, y, width)?;
            }
            Block::Columns(cols) => {
                for (_, blocks) in cols {
                    for inner in blocks {
                        if let Block::Qr { data, .. } = inner {
                            qrcode::QrCode::with_error_correction_level(
                                data.as_bytes(),
                                qrcode::EcLevel::M,
                            )
                            .map_err(|_| PdfError::QrTooLong(data.len()))?;
                        }
                    }
                }
                let h = fixed_height(std::slice::from_ref(b), flow.width);
                flow.room(h);
                let (x, y, width) = (flow.x, flow.y, flow.width);
                flow.y += place_fixed(flow.items(), std::slice::from_ref(b), x, y, width);
            }
            Block::Space(_) | Block::Rule { .. } => {
                let (x, y, width) = (flow.x, flow.y, flow.width);
                flow.y += place_fixed(flow.items(), std::slice::from_ref(b), x, y, width);
            }
        }
    }
    Ok(flow.pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(page: &Page) -> Vec<&str> {
        page.items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lines_break_between_words_and_never_pass_the_width() {
        let p = Paragraph::text(
            "Thời gian giải quyết hồ sơ theo quy định là mười lăm ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        );
        let lines = break_lines(&p, 200.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(l.width <= 200.0 + 0.01, "{}", l.width);
            let text: String = l.runs.iter().map(|r| r.1.as_str()).collect();
            assert_eq!(text, text.trim(), "no space at either end");
        }
        let joined: Vec<String> = lines
            .iter()
            .map(|l| l.runs.iter().map(|r| r.1.as_str()).collect())
            .collect();
        assert_eq!(
            joined.join(" "),
            "Thời gian giải quyết hồ sơ theo quy định là mười lăm ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"
        );
    }

    #[test]
    fn decomposed_input_is_set_precomposed() {
        // "Hồ" with the circumflex and the grave as combining marks.
        let p = Paragraph::text("Ho\u{302}\u{300} so\u{31b}");
        let lines = break_lines(&p, 500.0);
        assert_eq!(lines[0].runs[0].1, "Hồ sơ");
    }

    #[test]
    fn a_long_table_continues_on_the_next_page_with_its_header() {
        let mut rows = vec![vec![Cell::from("STT"), Cell::from("Nội dung")]];
        for i in 0..80 {
            rows.push(vec![
                Cell::from(format!("{i}")),
                Cell::from("Tờ khai đăng ký khai sinh"),
            ]);
        }
        let doc = Document::portrait(
            "t",
            vec![Block::Table(Table {
                widths: vec![1.0, 6.0],
                header_rows: 1,
                rows,
            })],
        );
        let pages = lay_out(&doc).unwrap();
        assert!(pages.len() >= 2, "{} pages", pages.len());
        for p in &pages {
            assert_eq!(texts(p)[0], "STT", "each page starts with the header");
            for i in &p.items {
                if let Item::Frame { y, h, .. } = i {
                    assert!(
                        y + h <= mm(297.0) - mm(20.0) + 0.01,
                        "within the bottom margin"
                    );
                }
            }
        }
    }

    #[test]
    fn a_qr_code_is_drawn_square_within_its_size() {
        let doc = Document::portrait(
            "t",
            vec![Block::Qr {
                data: "http://127.0.0.1:8080/tra-cuu?ma=H29.01.02-260302-0001".into(),
                size: 80.0,
                align: Align::Right,
            }],
        );
        let pages = lay_out(&doc).unwrap();
        let fills: Vec<_> = pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Fill { x, y, w, h } => Some((*x, *y, *w, *h)),
                _ => None,
            })
            .collect();
        assert!(fills.len() > 50);
        let right = mm(210.0) - mm(15.0);
        for (x, y, w, h) in fills {
            assert!(x >= right - 80.0 - 0.01 && x + w <= right + 0.01);
            assert!(y >= mm(20.0) - 0.01 && y + h <= mm(20.0) + 80.0 + 0.01);
        }
        let too_long = Document::portrait(
            "t",
            vec![Block::Qr {
                data: "x".repeat(5000),
                size: 80.0,
                align: Align::Left,
            }],
        );
        assert!(matches!(lay_out(&too_long), Err(PdfError::QrTooLong(5000))));
    }
}
