//! The files read back with poppler's tools, as a reader would: the text `pdftotext`
//! extracts is the text written, diacritics intact, and `pdftoppm` renders every page.
//! Skipped without poppler-utils unless `MOTCUA_TEST_PDF_REQUIRED` is set (as in CI).

use std::path::PathBuf;
use std::process::Command;

use motcua_pdf::{Align, Block, Cell, Document, Paragraph, Span, Table};

fn tools() -> bool {
    let here = Command::new("pdftotext").arg("-v").output().is_ok();
    assert!(
        here || std::env::var_os("MOTCUA_TEST_PDF_REQUIRED").is_none(),
        "PDF tests required, but pdftotext is missing (apt-get install poppler-utils)"
    );
    here
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("motcua-pdf");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn sample() -> Document {
    let mut rows = vec![vec![
        Cell::from(Paragraph::bold("STT").size(11.0).center()),
        Cell::from(Paragraph::bold("Tên giấy tờ").size(11.0).center()),
    ]];
    for (i, name) in ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
        .iter()
        .enumerate()
    {
        rows.push(vec![Cell::from(format!("{}", i + 1)), Cell::from(*name)]);
    }
    Document::portrait(
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        vec![
            Block::Columns(vec![
                (
                    1.0,
                    vec![
                        Block::Para(
                            Paragraph::text("ỦY BAN NHÂN DÂN")
                                .size(12.0)
                                .center()
                                .after(0.0),
                        ),
                        Block::Para(Paragraph::bold("PHƯỜNG BẾN THÀNH").size(12.0).center()),
                    ],
                ),
                (
                    1.4,
                    vec![
                        Block::Para(
                            Paragraph::bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
                                .size(12.0)
                                .center()
                                .after(0.0),
                        ),
                        Block::Para(
                            Paragraph::bold("Độc lập - Tự do - Hạnh phúc")
                                .center()
                                .after(0.0),
                        ),
                        Block::Rule {
                            length: 150.0,
                            align: Align::Center,
                        },
                    ],
                ),
            ]),
            Block::Para(
                Paragraph::bold("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
                    .size(14.0)
                    .center()
                    .before(12.0),
            ),
            Block::Para(Paragraph::new(vec![
                Span::regular("Ông/bà: "),
                Span::bold("Nguyễn Hoàng Minh Thư"),
            ])),
            Block::Para(Paragraph::italic("Ghi chú: ỗ ẫ ự ị ẳ ẽ ọ Đ đ")),
            Block::Table(Table {
                widths: vec![1.0, 8.0],
                header_rows: 1,
                rows,
            }),
            Block::Qr {
                data: "http://127.0.0.1:8080/tra-cuu?ma=H29.01.02-260302-0001".into(),
                size: 72.0,
                align: Align::Right,
            },
        ],
    )
}

#[test]
fn pdftotext_reads_back_the_vietnamese_text_exactly() {
    if !tools() {
        return;
    }
    let pdf = motcua_pdf::render(&sample()).unwrap();
    let path = scratch("sample.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for expected in [
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG BẾN THÀNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Ông/bà: Nguyễn Hoàng Minh Thư",
        "Ghi chú: ỗ ẫ ự ị ẳ ẽ ọ Đ đ",
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
    ] {
        assert!(lines.contains(&expected), "{expected:?} not in {lines:#?}");
    }
    // The fonts are embedded subsets.
    let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    for name in [
        "MCUARG+LiberationSerif",
        "MCUABD+LiberationSerif-Bold",
        "MCUAIT+LiberationSerif-Italic",
    ] {
        let line = fonts
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {fonts}"));
        assert!(
            line.contains("CID TrueType") && line.contains("Identity-H"),
            "{line}"
        );
        // emb sub uni: embedded, subset, with a ToUnicode map.
        assert!(line.contains("yes yes yes"), "{line}");
    }
    assert!(pdf.len() < 50_000, "{} bytes", pdf.len());
}

#[test]
fn pdftoppm_renders_every_page() {
    if !tools() {
        return;
    }
    let mut doc = sample();
    for i in 0..60 {
        doc.blocks.push(Block::Para(Paragraph::text(format!(
            "Dòng thứ {i}: thời gian giải quyết."
        ))));
    }
    let path = scratch("long.pdf");
    std::fs::write(&path, motcua_pdf::render(&doc).unwrap()).unwrap();
    let info = Command::new("pdfinfo").arg(&path).output().unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(field("Pages"), "2", "{info}");
    assert_eq!(field("Title"), "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
    assert_eq!(field("Page size"), "595.276 x 841.89 pts (A4)");
    let prefix = scratch("long");
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&path)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "poppler complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in ["long-1.png", "long-2.png"] {
        let png = std::fs::read(prefix.with_file_name(page)).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 2_000, "{page}");
    }
}
