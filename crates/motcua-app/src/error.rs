//! The errors of the application layer, each with a stable machine code for the API.

use motcua_domain::dossier::LifecycleError;
use motcua_store::StoreError;

/// Why a request was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session or token.
    #[error("authentication required: log in, or send a valid bearer token")]
    Unauthenticated,
    /// Wrong username or password (deliberately not saying which).
    #[error("wrong username or password")]
    BadCredentials,
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or may not be seen).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed or breaks a rule of its own (422).
    #[error("{0}")]
    Invalid(String),
    /// The dossier's lifecycle rules refuse the action in its current state.
    #[error("{0}")]
    Refused(LifecycleError),
    /// The dossier changed since it was read (optimistic concurrency).
    #[error("the dossier has changed since it was read: its current version is {current_version}")]
    VersionConflict {
        /// The dossier's version now.
        current_version: u64,
    },
    /// An idempotency key sent again with another request.
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyMismatch,
    /// Something with this key already exists.
    #[error("{0}")]
    Duplicate(String),
    /// The store failed.
    #[error("storage failure")]
    Store(#[source] StoreError),
    /// A bug or an impossible state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("not found".into()),
            StoreError::Conflict { current_version } => {
                AppError::VersionConflict { current_version }
            }
            StoreError::Duplicate(what) => AppError::Duplicate(format!("already exists: {what}")),
            StoreError::InUse(r) => AppError::Invalid(format!(
                "procedure version {r} is used by dossiers and can no longer change: publish a new version"
            )),
            other @ StoreError::Other(_) => AppError::Store(other),
        }
    }
}

impl From<LifecycleError> for AppError {
    fn from(e: LifecycleError) -> Self {
        AppError::Refused(e)
    }
}

impl AppError {
    /// A stable machine code for the API, e.g. `not-found`, `illegal-transition`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad-credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::Invalid(_) => "invalid",
            AppError::Refused(e) if Self::is_input_error(e) => "invalid-action",
            AppError::Refused(_) => "illegal-transition",
            AppError::VersionConflict { .. } => "version-conflict",
            AppError::IdempotencyMismatch => "idempotency-key-reused",
            AppError::Duplicate(_) => "already-exists",
            AppError::Store(_) => "storage-failure",
            AppError::Internal(_) => "internal",
        }
    }

    /// Whether a lifecycle refusal is about what the request said (422) rather than about
    /// the dossier's state (409).
    fn is_input_error(e: &LifecycleError) -> bool {
        use LifecycleError as L;
        matches!(
            e,
            L::ReasonRequired(_)
                | L::Blank(_)
                | L::ZeroPayment
                | L::PaymentMismatch { .. }
                | L::UnknownBranch { .. }
                | L::UnknownStep(_)
                | L::ApologyNotLater { .. }
                | L::UnknownProcedure(_)
                | L::UnknownProcess(_)
                | L::ChannelNotAccepted { .. }
                | L::ProcedureNotInForce { .. }
                | L::CodeDateMismatch { .. }
        )
    }
}
