use std::path::Path;

use super::*;

/// A migrated store at `dir/data/sked.db` with one setting written.
async fn store(dir: &Path) -> (crate::DynStore, PathBuf) {
    let db = dir.join("data/sked.db");
    let store = crate::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    assert!(store.init_setting("marker", "first").await.unwrap());
    (store, db)
}

async fn marker(db: &Path) -> Option<String> {
    let store = crate::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let value = store.setting("marker").await.unwrap();
    store.close().await;
    value
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_backup_is_private_checked_and_never_replaces_a_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, db) = store(dir.path()).await;
    let dest = dir.path().join("b.db");
    let done = backup(&db, &dest, false).await.unwrap();
    let known = crate::sql::sqlite_migrator().iter().map(|m| m.version).max().unwrap();
    assert_eq!(done.checked, Checked { version: known, known, pending: 0 });
    assert_eq!(done.bytes, std::fs::metadata(&dest).unwrap().len());
    #[cfg(unix)]
    assert_eq!(mode(&dest), 0o600);
    assert!(matches!(backup(&db, &dest, false).await, Err(BackupError::Exists(_))));
    backup(&db, &dest, true).await.unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    assert!(matches!(backup(&dir.path().join("none.db"), &dest, true).await, Err(BackupError::NoStore(_))));
}

#[tokio::test]
async fn a_restore_keeps_the_store_it_replaces_and_refuses_while_the_store_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store(dir.path()).await;
    let copy = dir.path().join("copy.db");
    backup(&db, &copy, false).await.unwrap();
    assert!(store.init_setting("after", "x").await.unwrap());
    assert!(matches!(restore(&copy, &db, true).await, Err(BackupError::InUse { .. })));
    store.close().await;
    drop(store);

    let done = restore(&copy, &db, true).await.unwrap();
    assert_eq!(done.previous.as_deref(), Some(previous_path(&db).as_path()));
    #[cfg(unix)]
    assert_eq!(mode(&db), 0o600);
    assert_eq!(marker(&db).await.as_deref(), Some("first"));
    let kept = crate::connect(&format!("sqlite://{}", previous_path(&db).display())).await.unwrap();
    assert_eq!(kept.setting("after").await.unwrap().as_deref(), Some("x"), "the replaced store, whole");
    kept.close().await;
    drop(kept);

    assert!(matches!(restore(&copy, &db, true).await, Err(BackupError::PreviousKept(_))));
    let done = restore(&copy, &db, false).await.unwrap();
    assert_eq!(done.previous, None);
    let fresh = dir.path().join("fresh/sked.db");
    restore(&copy, &fresh, true).await.unwrap();
    assert_eq!(marker(&fresh).await.as_deref(), Some("first"));
}

#[tokio::test]
async fn a_restore_refuses_what_is_not_a_sked_database_of_this_version_or_older() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store(dir.path()).await;
    let target = dir.path().join("target/sked.db");
    let refused = async |file: &Path| {
        let e = restore(file, &target, true).await.unwrap_err();
        assert!(!target.exists(), "nothing restored");
        let left = std::fs::read_dir(target.parent().unwrap()).unwrap().count();
        assert_eq!(left, 1, "only the lock file is left");
        e
    };

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database, but long enough to look like one's header at a glance").unwrap();
    assert!(matches!(refused(&text).await, BackupError::NotSqlite { .. }));
    assert!(matches!(refused(&dir.path().join("missing.db")).await, BackupError::Missing(_)));

    let other = dir.path().join("other.db");
    let mut conn =
        SqliteConnectOptions::new().filename(&other).create_if_missing(true).connect().await.unwrap();
    sqlx::query("CREATE TABLE t (x)").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let e = refused(&other).await;
    assert!(e.to_string().contains("is not a Sked database: it has no migrations table"), "{e}");

    let future = dir.path().join("future.db");
    backup(&db, &future, false).await.unwrap();
    drop(store);
    let mut conn = SqliteConnectOptions::new().filename(&future).connect().await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let e = refused(&future).await;
    assert!(matches!(e, BackupError::FromTheFuture { version: 9999, .. }), "{e}");
    assert!(e.to_string().contains("newer Sked: it has migration 9999 (from the future)"), "{e}");

    let changed = dir.path().join("changed.db");
    backup(&db, &changed, false).await.unwrap();
    let mut conn = SqliteConnectOptions::new().filename(&changed).connect().await.unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let e = refused(&changed).await;
    assert!(e.to_string().contains("migration 1 (init) differs from Sked's"), "{e}");
}
