//! A small layout engine for the official forms (Circular 03/2025/TT-VPCP, Appendix I):
//! paragraphs with bold and italic runs, bordered tables that continue on the next page with
//! their header, side-by-side columns (the national header: agency left, motto right), short
//! rules and QR codes, on A4 portrait or landscape.
//!
//! Text is set in Liberation Serif (the metrics of Times New Roman, which official documents
//! use; every Vietnamese letter, SIL Open Font License, `fonts/LICENSE-OFL.txt`), embedded
//! as a subset of the glyphs used with a `ToUnicode` map, so the text extracted from the file
//! (`pdftotext`, copy and paste, search) is the text written, diacritics intact. Input is put
//! in NFC first: every Vietnamese letter then is one precomposed character and one glyph.
//!
//! ```
//! use motcua_pdf::{Block, Document, Paragraph};
//! let doc = Document::portrait("Giấy tiếp nhận", vec![
//!     Block::Para(Paragraph::bold("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ").center()),
//! ]);
//! let pdf = motcua_pdf::render(&doc).unwrap();
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

mod font;
mod layout;
mod write;

pub use layout::{Align, Block, Cell, Document, Paragraph, Span, Style, Table};

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font could not be subset (a bug: the font is fixed at build time).
    #[error("the embedded font cannot be subset: {0}")]
    Subset(String),
    /// The text of a QR code is too long for any version of the code.
    #[error("a QR code cannot hold {0} bytes")]
    QrTooLong(usize),
}

/// Lays the document out on pages and writes it as a PDF file.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let pages = layout::lay_out(doc)?;
    write::write(doc, &pages)
}

/// Millimetres in points.
#[must_use]
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}
