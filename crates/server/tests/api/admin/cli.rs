//! `sked user create` through the real binary.

use reqwest::StatusCode;

use super::browser;

#[tokio::test]
async fn sked_user_create_prints_a_password_that_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("users.db").display());
    let sked = |args: &[&str]| {
        std::process::Command::new(crate::process::SKED)
            .args(args)
            .env("SKED_DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let out = sked(&["tenant", "create", "Acme"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let tenant = text.lines().find_map(|l| l.strip_prefix("tenant: ")).unwrap().trim().to_owned();
    // A host user needs a host: refused, nothing printed as a password.
    let refused = sked(&["user", "create", "--tenant", &tenant, "--email", "h@acme.test", "--role", "host"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("host"));
    let out = sked(&["user", "create", "--tenant", &tenant, "--email", "Boss@Acme.test", "--role", "owner"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let password = text.lines().last().unwrap().to_owned();
    assert_eq!(password.len(), 20, "the password alone on the last line: {text}");
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    let mut server = crate::process::Server::start(&url).await;
    let b = browser();
    let login = |pw: &str| {
        b.post(format!("{}/admin/login", server.base))
            .form(&[("email", "boss@acme.test"), ("password", pw)])
            .send()
    };
    assert_eq!(login("not-the-password").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let r = login(&password).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b.get(format!("{}/admin", server.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("boss@acme.test (owner)"));
    server.terminate().await;
}
