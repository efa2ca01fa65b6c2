//! A write as a list of statements with their values, built before any of it runs.
//!
//! A write that needs nothing read back on the way (a new booking without a daily limit: the
//! database refuses an overlap itself; a booking's history, jobs and idempotency record) is a
//! [`Script`]. PostgreSQL runs its statements one by one; SQLite runs the whole list as one
//! multi-statement command, so sqlx's connection thread runs it in one go instead of taking one
//! hand-over per statement, and [`super::group`] commits many new bookings at once, each in a
//! savepoint ([`Script::in_savepoint`]).
//!
//! Reads that need nothing from each other go the same way ([`Script::fetch_sets`]): one
//! command on SQLite, answering each statement's rows.
//!
//! Several statements in one prepared command is a SQLite-only feature of sqlx (deprecated
//! there in favour of `raw_sql`, which takes no values); the lock file pins the version, and the
//! store's conformance tests run every script on both stores.

use futures::TryStreamExt;
use sqlx::query::Query;
use sqlx::{Database, Either, Pool, Sqlite};
use uuid::Uuid;

use super::{SqlDb, map_err};
use crate::{Backend, StoreError, StoreResult};

/// One value a statement binds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Val {
    Uuid(Uuid),
    OptUuid(Option<Uuid>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Text(String),
    OptText(Option<String>),
    Bytes(Vec<u8>),
}

impl From<Uuid> for Val {
    fn from(v: Uuid) -> Self {
        Val::Uuid(v)
    }
}
impl From<Option<Uuid>> for Val {
    fn from(v: Option<Uuid>) -> Self {
        Val::OptUuid(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::OptInt(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_owned())
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        Val::OptText(v.map(str::to_owned))
    }
}
impl From<&[u8]> for Val {
    fn from(v: &[u8]) -> Self {
        Val::Bytes(v.to_vec())
    }
}

impl Val {
    /// Binds the value to `q`, borrowing text and bytes.
    pub(super) fn bind<'q, DB: SqlDb>(
        &'q self,
        q: Query<'q, DB, <DB as Database>::Arguments>,
    ) -> Query<'q, DB, <DB as Database>::Arguments> {
        match self {
            Val::Uuid(v) => q.bind(*v),
            Val::OptUuid(v) => q.bind(*v),
            Val::Int(v) => q.bind(*v),
            Val::OptInt(v) => q.bind(*v),
            Val::Bool(v) => q.bind(*v),
            Val::Text(v) => q.bind(v.as_str()),
            Val::OptText(v) => q.bind(v.as_deref()),
            Val::Bytes(v) => q.bind(v.as_slice()),
        }
    }
}

/// A statement and its values, `$1`, `$2`, ... in order.
#[derive(Debug)]
pub(super) struct Stmt {
    sql: &'static str,
    vals: Vec<Val>,
}

/// Builds a [`Stmt`]: `stmt!(SQL, a, b, c)` binds `a` as `$1`, `b` as `$2`, ...
macro_rules! stmt {
    ($sql:expr $(, $v:expr)* $(,)?) => {
        $crate::sql::script::Stmt::new($sql, vec![$($crate::sql::script::Val::from($v)),*])
    };
}
pub(super) use stmt;

impl Stmt {
    pub(super) fn new(sql: &'static str, vals: Vec<Val>) -> Self {
        debug_assert_eq!(highest_placeholder(sql), vals.len(), "{sql}");
        Self { sql, vals }
    }

    /// The statement's text.
    pub(super) fn sql(&self) -> &'static str {
        self.sql
    }

    /// Its values, `$1`, `$2`, ... in order.
    pub(super) fn vals(&self) -> &[Val] {
        &self.vals
    }

    /// The statement with its values bound.
    fn query<DB: SqlDb>(&self) -> Query<'_, DB, <DB as Database>::Arguments> {
        let mut q = sqlx::query::<DB>(self.sql);
        for v in &self.vals {
            q = v.bind(q);
        }
        q
    }

    /// Runs the statement on `conn`; answers the rows it changed.
    pub(super) async fn run<DB: SqlDb>(&self, conn: &mut DB::Connection) -> StoreResult<u64> {
        let done = self.query::<DB>().execute(&mut *conn).await.map_err(map_err::<DB>)?;
        Ok(DB::rows_affected(&done))
    }
}

/// What [`Script::in_savepoints`] ran: whether its head went through, the rows each script
/// that went through changed, and the failure that stopped it (the tail's own, when every
/// script went through).
#[derive(Debug, Default)]
pub(super) struct Ran {
    pub(super) head: bool,
    pub(super) changed: Vec<u64>,
    pub(super) failure: Option<StoreError>,
}

/// The statements of one write, in order.
#[derive(Debug, Default)]
pub(super) struct Script(pub(super) Vec<Stmt>);

/// Undoes a failed write of a group (see [`Script::in_savepoint`]) and leaves its savepoint.
pub(super) const UNDO: &str = "ROLLBACK TO write; RELEASE write";

impl Script {
    /// The statements' texts: scripts of the same shape differ only in their values.
    pub(super) fn shape(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.sql).collect()
    }

    /// Adds a statement.
    pub(super) fn push(&mut self, s: Stmt) {
        self.0.push(s);
    }

    /// Runs the statements in order on `conn` (inside the caller's transaction); answers the
    /// rows they changed. On SQLite they go as one command.
    pub(super) async fn run<DB: SqlDb>(&self, conn: &mut DB::Connection) -> StoreResult<u64> {
        if DB::BACKEND == Backend::Sqlite && self.0.len() > 1 {
            return self.run_joined::<DB>(conn).await;
        }
        let mut changed = 0;
        for s in &self.0 {
            changed += s.run::<DB>(conn).await?;
        }
        Ok(changed)
    }

    /// Runs `scripts` as one SQLite command, each inside a savepoint of its own, `write`, in
    /// order, after `head` and before `tail` (statements of no values, such as `BEGIN` and
    /// `COMMIT`): a failure stops the command where it failed, with a failing script's savepoint
    /// left for the caller to undo with [`UNDO`].
    pub(super) async fn in_savepoints(
        scripts: &[&Script],
        head: Option<&str>,
        tail: Option<&str>,
        conn: &mut <Sqlite as Database>::Connection,
    ) -> Ran {
        let (mut sql, vals) = Self::joined_in_savepoints(scripts);
        if let Some(h) = head {
            sql.insert_str(0, &format!("{h};\n"));
        }
        if let Some(t) = tail {
            sql.push_str(&format!(";\n{t}"));
        }
        let mut ran =
            Ran { head: head.is_none(), changed: Vec::with_capacity(scripts.len()), ..Ran::default() };
        // Each statement's end, with the rows it changed. SQLite reports the last change count
        // again for a statement that changes no rows itself (`SAVEPOINT`, `RELEASE`): only the
        // scripts' own statements count.
        let (mut step, mut rows) = (0, 0);
        #[allow(deprecated)]
        let mut steps = bound::<Sqlite>(sql, &vals).fetch_many(&mut *conn);
        loop {
            match steps.try_next().await {
                Ok(Some(Either::Left(done))) => {
                    if !ran.head {
                        ran.head = true;
                    } else if let Some(s) = scripts.get(ran.changed.len()) {
                        // Steps of a script: `SAVEPOINT`, its statements, `RELEASE`.
                        if (1..=s.0.len()).contains(&step) {
                            rows += done.rows_affected();
                        }
                        step += 1;
                        if step == s.0.len() + 2 {
                            ran.changed.push(rows);
                            (step, rows) = (0, 0);
                        }
                    }
                }
                Ok(Some(Either::Right(_))) => {}
                Ok(None) => break,
                Err(e) => {
                    ran.failure = Some(map_err::<Sqlite>(e));
                    break;
                }
            }
        }
        ran
    }

    /// Runs the whole script atomically on `pool`: on PostgreSQL as one statement, a `WITH`
    /// of data-modifying parts (one round trip, atomic on its own; the parts must not touch the
    /// same rows, as they see the same snapshot) whose main query is `first` (PostgreSQL runs
    /// the data-modifying parts a main query does not read after it, each to completion: what
    /// `first` locks is held before any part runs), on SQLite as one command in a write
    /// transaction (which needs no `first`: it holds the one write lock from its start).
    pub(super) async fn run_atomic<DB: SqlDb>(&self, pool: &Pool<DB>, first: &Stmt) -> StoreResult<()> {
        if DB::BACKEND == Backend::Sqlite {
            let mut tx = DB::begin_write(pool).await.map_err(map_err::<DB>)?;
            self.run::<DB>(&mut tx).await?;
            return tx.commit().await.map_err(map_err::<DB>);
        }
        let (mut sql, mut vals) = self.compose("WITH ", |i| format!("s{i} AS ("), ")", ", ", " ");
        renumber(first.sql, vals.len(), &mut sql);
        vals.extend(first.vals.iter());
        let q = bound::<DB>(sql, &vals);
        let mut conn = pool.acquire().await.map_err(map_err::<DB>)?;
        q.execute(&mut *conn).await.map_err(map_err::<DB>)?;
        Ok(())
    }

    /// Runs the `N` statements, reads, and answers each one's rows in order: on SQLite as one
    /// command, on PostgreSQL one after another on one connection.
    pub(super) async fn fetch_sets<DB: SqlDb, const N: usize>(
        &self,
        pool: &Pool<DB>,
    ) -> StoreResult<[Vec<DB::Row>; N]> {
        let mut conn = pool.acquire().await.map_err(map_err::<DB>)?;
        let mut sets: Vec<Vec<DB::Row>> = Vec::with_capacity(self.0.len() + 1);
        if DB::BACKEND == Backend::Sqlite {
            let (sql, vals) = self.joined();
            sets.push(Vec::new());
            // Each statement's rows, then its end (see the module's docs on the deprecation).
            #[allow(deprecated)]
            let mut steps = bound::<DB>(sql, &vals).fetch_many(&mut *conn);
            while let Some(step) = steps.try_next().await.map_err(map_err::<DB>)? {
                match (step, sets.last_mut()) {
                    (Either::Right(row), Some(set)) => set.push(row),
                    _ => sets.push(Vec::new()),
                }
            }
            sets.truncate(self.0.len());
        } else {
            for s in &self.0 {
                sets.push(s.query::<DB>().fetch_all(&mut *conn).await.map_err(map_err::<DB>)?);
            }
        }
        let got = sets.len();
        sets.try_into().map_err(|_| {
            StoreError::Database(sqlx::Error::Protocol(format!("{N} statements answered {got} row sets")))
        })
    }

    async fn run_joined<DB: SqlDb>(&self, conn: &mut DB::Connection) -> StoreResult<u64> {
        let (sql, vals) = self.joined();
        let mut changed = 0;
        #[allow(deprecated)]
        let mut steps = bound::<DB>(sql, &vals).fetch_many(&mut *conn);
        while let Some(step) = steps.try_next().await.map_err(map_err::<DB>)? {
            if let Either::Left(done) = step {
                changed += DB::rows_affected(&done);
            }
        }
        Ok(changed)
    }

    /// The statements as one command, their placeholders renumbered into one sequence
    /// (SQLite numbers `$n` across the statements of a command), with the values in that order.
    fn joined(&self) -> (String, Vec<&Val>) {
        self.compose("", |_| String::new(), "", ";\n", "")
    }

    /// The scripts as one command, each between `SAVEPOINT write` and `RELEASE write`, their
    /// placeholders renumbered into one sequence, with the values in that order.
    fn joined_in_savepoints<'s>(scripts: &[&'s Script]) -> (String, Vec<&'s Val>) {
        let mut sql = String::new();
        let mut vals = Vec::new();
        for (i, s) in scripts.iter().enumerate() {
            if i > 0 {
                sql.push_str(";\n");
            }
            sql.push_str("SAVEPOINT write");
            for st in &s.0 {
                sql.push_str(";\n");
                renumber(st.sql, vals.len(), &mut sql);
                vals.extend(st.vals.iter());
            }
            sql.push_str(";\nRELEASE write");
        }
        (sql, vals)
    }

    /// The statements in one text: `head`, then each statement between `open(i)` and `close`,
    /// separated by `sep`, its placeholders renumbered after the values before it, then `tail`;
    /// and every value in order.
    fn compose(
        &self,
        head: &str,
        open: impl Fn(usize) -> String,
        close: &str,
        sep: &str,
        tail: &str,
    ) -> (String, Vec<&Val>) {
        let mut sql = String::from(head);
        let mut vals = Vec::new();
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                sql.push_str(sep);
            }
            sql.push_str(&open(i));
            renumber(s.sql, vals.len(), &mut sql);
            sql.push_str(close);
            vals.extend(s.vals.iter());
        }
        sql.push_str(tail);
        (sql, vals)
    }
}

/// A query of `sql` with `vals` bound in order.
fn bound<'q, DB: SqlDb>(sql: String, vals: &[&'q Val]) -> Query<'q, DB, <DB as Database>::Arguments> {
    let mut q = sqlx::query::<DB>(sqlx::AssertSqlSafe(sql));
    for &v in vals {
        q = v.bind(q);
    }
    q
}

/// Appends `sql` to `out` with each `$n` written as `$(n + by)`. The statements this runs on
/// are the store's own (no `$` inside their literals).
pub(super) fn renumber(sql: &str, by: usize, out: &mut String) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

/// The highest `$n` in `sql` (0 when it has none).
fn highest_placeholder(sql: &str) -> usize {
    sql.split('$')
        .skip(1)
        .filter_map(|s| {
            let digits = s.bytes().take_while(u8::is_ascii_digit).count();
            s[..digits].parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_after_the_values_before_them() {
        let mut out = String::new();
        renumber("UPDATE t SET a = $2, b = $10 WHERE id = $1 AND c = $2", 7, &mut out);
        assert_eq!(out, "UPDATE t SET a = $9, b = $17 WHERE id = $8 AND c = $9");
    }

    #[test]
    fn scripts_are_one_command_each_in_a_savepoint_with_their_values_in_order() {
        let mut s = Script::default();
        s.push(stmt!("INSERT INTO a (x, y) VALUES ($1, $2)", 1i64, "one"));
        s.push(stmt!("UPDATE b SET z = $2 WHERE id = $1 AND w = $2", Uuid::nil(), true));
        let (sql, vals) = Script::joined_in_savepoints(&[&s]);
        assert_eq!(
            sql,
            "SAVEPOINT write;\nINSERT INTO a (x, y) VALUES ($1, $2);\n\
             UPDATE b SET z = $4 WHERE id = $3 AND w = $4;\nRELEASE write"
        );
        assert_eq!(s.joined().0.lines().count(), 2);
        let mut one = Script::default();
        one.push(stmt!("DELETE FROM c WHERE id = $1", 7i64));
        let (two, all) = Script::joined_in_savepoints(&[&one, &s]);
        assert_eq!(
            two,
            "SAVEPOINT write;\nDELETE FROM c WHERE id = $1;\nRELEASE write;\n\
             SAVEPOINT write;\nINSERT INTO a (x, y) VALUES ($2, $3);\n\
             UPDATE b SET z = $5 WHERE id = $4 AND w = $5;\nRELEASE write"
        );
        assert_eq!(all.len(), 5);
        let (with, _) = s.compose("WITH ", |i| format!("s{i} AS ("), ")", ", ", " SELECT 1");
        assert_eq!(
            with,
            "WITH s0 AS (INSERT INTO a (x, y) VALUES ($1, $2)), \
             s1 AS (UPDATE b SET z = $4 WHERE id = $3 AND w = $4) SELECT 1"
        );
        assert_eq!(vals, [&Val::Int(1), &Val::Text("one".into()), &Val::Uuid(Uuid::nil()), &Val::Bool(true)]);
    }

    #[test]
    fn the_highest_placeholder_counts_the_values_a_statement_takes() {
        assert_eq!(highest_placeholder("SELECT 1"), 0);
        assert_eq!(highest_placeholder("SELECT $3, $1, $12, $3"), 12);
    }
}
