//! Files given with dossiers: what may be uploaded (PDF, JPEG, PNG, recognised from their
//! first bytes, whatever name or type the client gives), how large, and who may read them.

use motcua_store::FileBlob;
use sha2::{Digest, Sha256};

use crate::authz::Principal;
use crate::views::FileView;
use crate::{App, AppError};

/// The largest file one document may be (a scan of a few pages at 300 dpi).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Why an upload is refused, for a message next to its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Not a PDF, JPEG or PNG.
    #[error("only PDF, JPEG and PNG files are accepted")]
    Type,
    /// Over [`MAX_FILE_BYTES`].
    #[error("a file may be at most {} MB", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
}

/// The media type of a file from its first bytes, if it is one we accept.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Checks an upload before anything is stored.
pub fn check_upload(bytes: &[u8]) -> Result<&'static str, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(UploadError::TooLarge);
    }
    sniff(bytes).ok_or(UploadError::Type)
}

/// The name a file was given with, kept readable and harmless: its last path part, no
/// control characters or markup, at most 120 characters.
fn clean_name(name: &str, content_type: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | '"'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        let ext = match content_type {
            "application/pdf" => "pdf",
            "image/jpeg" => "jpg",
            _ => "png",
        };
        format!("tep.{ext}")
    } else {
        cleaned.to_owned()
    }
}

/// The result documents attached when results were issued, newest last.
pub fn result_files(d: &crate::views::DossierView) -> impl Iterator<Item = FileView> + '_ {
    d.history
        .iter()
        .filter(|h| h.event_type == "result-issued")
        .filter_map(|h| serde_json::from_value(h.payload.get("file")?.clone()).ok())
}

impl App {
    /// Stores an uploaded file (checked with [`check_upload`]) and returns what a document
    /// names it by. The same bytes uploaded twice are stored once.
    pub async fn store_file(&self, name: &str, bytes: Vec<u8>) -> Result<FileView, AppError> {
        let content_type = check_upload(&bytes).map_err(|e| AppError::Invalid(e.to_string()))?;
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .fold(String::with_capacity(64), |mut s, b| {
                use std::fmt::Write as _;
                let _ = write!(s, "{b:02x}");
                s
            });
        let size = bytes.len() as u64;
        self.store
            .put_file(&FileBlob {
                sha256: sha256.clone(),
                content_type: content_type.to_owned(),
                bytes,
            })
            .await?;
        Ok(FileView {
            sha256,
            name: clean_name(name, content_type),
            content_type: content_type.to_owned(),
            size,
        })
    }

    /// A file of a dossier, for whoever may read the dossier: the file must be one of its
    /// documents.
    pub async fn dossier_file(
        &self,
        principal: &Principal,
        code: &str,
        sha256: &str,
    ) -> Result<(FileView, Vec<u8>), AppError> {
        let d = self.dossier(principal, code).await?;
        let Some(file) = d
            .documents
            .iter()
            .filter_map(|doc| doc.file.clone())
            .chain(result_files(&d))
            .find(|f| f.sha256 == sha256)
        else {
            return Err(AppError::NotFound(format!(
                "dossier {code} has no file {sha256}"
            )));
        };
        let blob = self.store.file(sha256).await?;
        Ok((file, blob.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_first_bytes() {
        assert_eq!(check_upload(b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(
            check_upload(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Ok("image/jpeg")
        );
        assert_eq!(check_upload(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        assert_eq!(
            check_upload(b"MZ\x90\x00 an executable"),
            Err(UploadError::Type)
        );
        assert_eq!(check_upload(b"<html><script>"), Err(UploadError::Type));
        assert_eq!(check_upload(b""), Err(UploadError::Empty));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_FILE_BYTES + 1, b' ');
        assert_eq!(check_upload(&big), Err(UploadError::TooLarge));
    }

    #[test]
    fn names_keep_their_last_part_without_markup() {
        assert_eq!(
            clean_name("C:\\\\Scan\\\\giấy chứng sinh.pdf", "application/pdf"),
            "giấy chứng sinh.pdf"
        );
        assert_eq!(clean_name("../../etc/<x>.png", "image/png"), "x.png");
        assert_eq!(clean_name("  ", "image/jpeg"), "tep.jpg");
    }
}
