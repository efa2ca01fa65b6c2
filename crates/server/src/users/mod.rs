//! Dashboard users: roles, passwords (argon2id, PHC strings), and creating a user with a
//! one-time password, shared by `sked user create`, the first start's demo owner and
//! `/v1/users`.

pub mod api;
pub mod reset;

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sked_core::FieldError;
use sked_core::ids::{HostId, TenantId, UserId};
use sked_store::{DynStore, StoreError, User};

use crate::error::ApiError;

/// What a user may do in the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, and manages users.
    Owner,
    /// Everything in the dashboard.
    Admin,
    /// Only the bookings of their own host.
    Host,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Host => "host",
        }
    }

    /// A stored role (an unknown one, which the database refuses, reads as the least power).
    pub fn of(stored: &str) -> Self {
        match stored {
            "owner" => Self::Owner,
            "admin" => Self::Admin,
            _ => Self::Host,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "host" => Ok(Self::Host),
            _ => Err(format!("`{s}` is not a role: owner, admin or host")),
        }
    }
}

/// Shortest password a user may choose.
pub const MIN_PASSWORD: usize = 10;
/// Longest password hashed (argon2 takes any length; this bounds the work per attempt).
pub const MAX_PASSWORD: usize = 256;

/// The argon2id hash of a password, as a PHC string. CPU-heavy: call it off the async threads
/// ([`hash_password`]).
fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt =
        SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string())
}

/// Hashes a password on a blocking thread.
pub async fn hash_password(password: &str) -> anyhow::Result<String> {
    let p = password.to_owned();
    tokio::task::spawn_blocking(move || hash_now(&p)).await?
}

/// A hash no password matches, verified when the email is unknown so that a sign-in takes as
/// long either way.
static DUMMY: LazyLock<String> = LazyLock::new(|| hash_now("no user has this password").unwrap_or_default());

/// Whether `password` matches the PHC string `hash` (`None`: check against a dummy hash and
/// answer false), on a blocking thread.
pub async fn verify_password(hash: Option<String>, password: &str) -> bool {
    let p = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let (h, real) = match hash {
            Some(h) => (h, true),
            None => (DUMMY.clone(), false),
        };
        let ok = PasswordHash::new(&h)
            .is_ok_and(|parsed| Argon2::default().verify_password(p.as_bytes(), &parsed).is_ok());
        ok && real
    })
    .await
    .unwrap_or(false)
}

/// A random one-time password: 20 letters and digits (about 119 bits).
pub fn one_time_password() -> String {
    crate::auth::generate_key("").chars().take(20).collect()
}

/// Checks a password a user chose.
pub fn check_password(field: &str, p: &str) -> Result<(), FieldError> {
    let n = p.chars().count();
    if n < MIN_PASSWORD {
        Err(FieldError::new(field, format!("must be at least {MIN_PASSWORD} characters")))
    } else if n > MAX_PASSWORD {
        Err(FieldError::new(field, format!("must be at most {MAX_PASSWORD} characters")))
    } else {
        Ok(())
    }
}

/// Who a new user is.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub role: Role,
    pub host_id: Option<HostId>,
}

/// Checks a user's role and host: a `host` user needs a host of the tenant.
pub async fn check_host(
    store: &DynStore,
    tenant: TenantId,
    role: Role,
    host: Option<HostId>,
) -> Result<(), ApiError> {
    match (role, host) {
        (Role::Host, None) => Err(ApiError::field("host_id", "a host user needs the host it acts for")),
        (_, Some(h)) => match store.host(tenant, h).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => Err(ApiError::field("host_id", "no such host in this tenant")),
            Err(e) => Err(ApiError::Internal(e.into())),
        },
        (_, None) => Ok(()),
    }
}

/// Creates a user with a random one-time password; answers the user and the password (shown
/// once, only its hash is kept).
pub async fn create_user(
    store: &DynStore,
    tenant: TenantId,
    new: &NewUser,
    now: i64,
) -> Result<(User, String), ApiError> {
    let email = sked_core::contact::Email::parse(&new.email).map_err(|e| ApiError::field("email", e))?;
    check_host(store, tenant, new.role, new.host_id).await?;
    let password = one_time_password();
    let user = User {
        id: UserId::new(),
        tenant_id: tenant,
        email: email.to_string().to_lowercase(),
        role: new.role.as_str().into(),
        host_id: new.host_id,
        password_hash: hash_password(&password).await.map_err(ApiError::Internal)?,
        created_at: now,
        updated_at: now,
    };
    store.insert_user(&user).await.map_err(|e| ApiError::store("user", e))?;
    Ok((user, password))
}
