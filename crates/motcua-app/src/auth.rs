//! Officials' accounts: Argon2id passwords and server-side sessions.
//!
//! A session token is 32 random bytes, given to the client once (as a cookie for the web
//! pages, or as a bearer token for API clients); the store keeps only its SHA-256, so a copy
//! of the database does not let anyone log in.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use motcua_domain::org::Official;
use motcua_store::StoreError;
use sha2::{Digest, Sha256};

use crate::{App, AppError};

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The secret token (only ever shown to the client that logged in).
    pub token: String,
    /// Who.
    pub official: Official,
    /// Until when.
    pub expires_at: Timestamp,
}

/// Hashes a password with Argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("cannot hash a password: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A fresh random secret, URL-safe.
pub fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of a secret, hex.
pub(crate) fn secret_hash(secret: &str) -> String {
    use std::fmt::Write as _;
    Sha256::digest(secret.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// A valid PHC string for a password nobody has, verified when the username is unknown so
/// that the answer takes as long as for a known one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3nZXzbn9OPx3tMHcB/fiubnzB/2fUuq6NTvPzq4zVzM";

impl App {
    /// Logs an official in with a username and password.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session, AppError> {
        let account = match self.store.account_by_username(username).await {
            Ok(a) => Some(a),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let hash = account
            .as_ref()
            .map_or_else(|| DUMMY_HASH.to_owned(), |a| a.password_hash.clone());
        let password = password.to_owned();
        // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let account = match account {
            Some(a) if ok && a.active => a,
            _ => return Err(AppError::BadCredentials),
        };
        let token = new_secret()?;
        let now = self.clock.now();
        let expires_at = Timestamp::from_second(now.as_second() + self.config.session_ttl_seconds)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        self.store
            .insert_session(
                &secret_hash(&token),
                &account.official.id,
                expires_at.as_second(),
            )
            .await?;
        tracing::info!(official = %account.official.id, "logged in");
        Ok(Session {
            token,
            official: account.official,
            expires_at,
        })
    }

    /// The official of a session token.
    pub async fn authenticate(&self, token: &str) -> Result<Official, AppError> {
        let id = match self
            .store
            .session(&secret_hash(token), self.clock.now().as_second())
            .await
        {
            Ok(id) => id,
            Err(StoreError::NotFound) => return Err(AppError::Unauthenticated),
            Err(e) => return Err(e.into()),
        };
        let rules = self.rules().await?;
        rules
            .org
            .official(&id)
            .cloned()
            .ok_or(AppError::Unauthenticated)
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        self.store.delete_session(&secret_hash(token)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("mật khẩu đúng").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu đúng", &h));
        assert!(!verify_password("mat khau dung", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy costs a real verification"
        );
        assert!(!verify_password("anything", DUMMY_HASH));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_eq!(secret_hash(&a), secret_hash(&a));
    }
}
