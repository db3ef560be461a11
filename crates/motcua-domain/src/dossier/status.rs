//! Dossier statuses, with the codes used to sync with the national portal.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The status of a dossier (`TrangThaiHoSo` in the national sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 1 — submitted, not yet received (Mới đăng ký).
    Submitted,
    /// 2 — received, complete and valid (Được tiếp nhận).
    Received,
    /// 3 — refused (Không được tiếp nhận).
    Refused,
    /// 4 — in processing (Đang xử lý).
    Processing,
    /// 5 — waiting for the applicant's supplement (Yêu cầu bổ sung giấy tờ).
    SupplementRequested,
    /// 6 — waiting for payment of fees or taxes (Yêu cầu thực hiện nghĩa vụ tài chính).
    PaymentRequested,
    /// 7 — withdrawn by the applicant (Công dân yêu cầu rút hồ sơ).
    Withdrawn,
    /// 8 — processing stopped (Dừng xử lý).
    Stopped,
    /// 9 — processing finished, result issued (Đã xử lý xong).
    Finished,
    /// 10 — result returned to the applicant (Đã trả kết quả).
    Returned,
}

impl Status {
    /// Every status, by code.
    pub const ALL: [Status; 10] = [
        Status::Submitted,
        Status::Received,
        Status::Refused,
        Status::Processing,
        Status::SupplementRequested,
        Status::PaymentRequested,
        Status::Withdrawn,
        Status::Stopped,
        Status::Finished,
        Status::Returned,
    ];

    /// The national code, 1–10.
    pub fn code(self) -> u8 {
        match self {
            Status::Submitted => 1,
            Status::Received => 2,
            Status::Refused => 3,
            Status::Processing => 4,
            Status::SupplementRequested => 5,
            Status::PaymentRequested => 6,
            Status::Withdrawn => 7,
            Status::Stopped => 8,
            Status::Finished => 9,
            Status::Returned => 10,
        }
    }

    /// The status with a national code.
    pub fn from_code(code: u8) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Vietnamese name used by the national portal.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Status::Submitted => "Mới đăng ký",
            Status::Received => "Được tiếp nhận",
            Status::Refused => "Không được tiếp nhận",
            Status::Processing => "Đang xử lý",
            Status::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            Status::PaymentRequested => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Status::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            Status::Stopped => "Dừng xử lý",
            Status::Finished => "Đã xử lý xong",
            Status::Returned => "Đã trả kết quả",
        }
    }

    /// Whether nothing more can happen to the dossier.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Refused | Status::Withdrawn | Status::Stopped | Status::Returned
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Submitted => "submitted",
            Status::Received => "received",
            Status::Refused => "refused",
            Status::Processing => "in processing",
            Status::SupplementRequested => "waiting for a supplement",
            Status::PaymentRequested => "waiting for payment",
            Status::Withdrawn => "withdrawn",
            Status::Stopped => "stopped",
            Status::Finished => "finished",
            Status::Returned => "returned",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_national_ones() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.code()), i + 1);
            assert_eq!(Status::from_code(s.code()), Some(*s));
        }
        assert_eq!(Status::from_code(0), None);
        assert_eq!(Status::from_code(11), None);
    }
}
