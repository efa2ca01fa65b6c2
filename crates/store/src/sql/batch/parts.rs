//! The one statement that writes a group of new bookings: each statement of a booking's write
//! (see `bookings::steps`) becomes a part of one `WITH` that takes the rows of every booking of
//! the group at once, as arrays (`unnest`), so each table is opened, checked and written once
//! per group. Rows that several bookings change together (a host's counts) are combined first:
//! a statement may not change a row twice. The group's turns are its main query, as in a single
//! write.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Postgres};
use uuid::Uuid;

use crate::sql::queries as q;
use crate::sql::script::{Script, Val, renumber};
use crate::sql::turns::Turns;
use crate::{StoreError, StoreResult};

/// How two rows of one part that change the same row are combined.
#[derive(Clone, Copy, Debug)]
enum Fold {
    /// Added up (counts).
    Sum,
    /// The larger kept (a longest span, a latest time; a value beats none).
    Max,
}

/// A statement of a booking's write, as a part of the group's statement.
#[derive(Debug)]
struct Part {
    /// The statement of one booking.
    single: &'static str,
    /// The group's statement, each `$n` an array of the single's `$n`s; `None` for an
    /// `INSERT ... VALUES`, which is made to take arrays as it is ([`arrays`]).
    group: Option<&'static str>,
    /// The values naming the row it changes, when the bookings of a group may change the same
    /// one (empty: each row is new).
    key: &'static [usize],
    /// How the other values of rows with the same key combine.
    folds: &'static [(usize, Fold)],
    /// The value choosing which of a host's spread rows a count goes to (see [`group_shard`]).
    shard: Option<usize>,
}

/// A host's span grown to the group's longest booking of it.
const GROW_HOST_SPANS: &str = "UPDATE hosts SET max_span = u.c3 \
     FROM unnest($1::uuid[], $2::uuid[], $3::int8[]) AS u(c1, c2, c3) \
     WHERE hosts.id = u.c1 AND hosts.tenant_id = u.c2 AND hosts.max_span < u.c3";

/// The parts, in the order a single write runs them.
const PARTS: [Part; 8] = [
    Part {
        single: q::GROW_HOST_SPAN,
        group: Some(GROW_HOST_SPANS),
        key: &[0, 1],
        folds: &[(2, Fold::Max)],
        shard: None,
    },
    Part { single: q::INSERT_BOOKING, group: None, key: &[], folds: &[], shard: None },
    Part { single: q::INSERT_OCCUPANCY, group: None, key: &[], folds: &[], shard: None },
    Part {
        single: q::COUNT_OCCUPANCY_CHANGE,
        group: None,
        key: &[0, 1],
        folds: &[(2, Fold::Sum)],
        shard: Some(1),
    },
    Part {
        single: q::COUNT_ASSIGNMENT,
        group: None,
        key: &[0, 1, 5],
        folds: &[(3, Fold::Sum), (4, Fold::Max)],
        shard: Some(5),
    },
    Part { single: q::INSERT_HISTORY, group: None, key: &[], folds: &[], shard: None },
    Part { single: q::INSERT_JOB, group: None, key: &[], folds: &[], shard: None },
    Part { single: q::INSERT_IDEMPOTENCY, group: None, key: &[], folds: &[], shard: None },
];

/// A group's statement and its values: one array per column of each part, then the turns'.
#[derive(Debug)]
pub(super) struct Statement {
    sql: String,
    cols: Vec<Col>,
    turns: Vec<Val>,
}

impl Statement {
    /// The statement with its values bound.
    pub(super) fn query(&self) -> Query<'_, Postgres, PgArguments> {
        let mut query = sqlx::query::<Postgres>(AssertSqlSafe(self.sql.clone()));
        for c in &self.cols {
            query = c.bind(query);
        }
        for v in &self.turns {
            query = v.bind(query);
        }
        query
    }

    /// The statement's text.
    #[cfg(test)]
    pub(super) fn sql(&self) -> &str {
        &self.sql
    }
}

/// The statement writing `scripts` (new bookings' writes) and taking `turns`; refused when a
/// script has a statement no part knows (such a write goes alone).
pub(super) fn statement(scripts: &[&Script], turns: &Turns) -> StoreResult<Statement> {
    let mut rows: Vec<Rows> = PARTS.iter().map(|_| Rows::default()).collect();
    let mut shard = None;
    for s in scripts {
        for st in &s.0 {
            let i = PARTS.iter().position(|p| p.single == st.sql()).ok_or_else(|| unknown(st.sql()))?;
            match PARTS[i].shard {
                Some(k) => rows[i].add(&PARTS[i], &group_shard(st.vals(), k, &mut shard)?)?,
                None => rows[i].add(&PARTS[i], st.vals())?,
            }
        }
    }
    let (mut sql, mut cols) = (String::from("WITH "), Vec::new());
    for (i, (part, rows)) in PARTS.iter().zip(rows).enumerate() {
        let part_cols = rows.columns()?;
        if part_cols.is_empty() {
            continue;
        }
        if !cols.is_empty() {
            sql.push_str(", ");
        }
        let text = match part.group {
            Some(text) => text.to_owned(),
            None => arrays(part.single, &part_cols).ok_or_else(|| unknown(part.single))?,
        };
        sql.push_str(&format!("s{i} AS ("));
        renumber(&text, cols.len(), &mut sql);
        sql.push(')');
        cols.extend(part_cols);
    }
    let take = turns.stmt();
    sql.push(' ');
    renumber(take.sql(), cols.len(), &mut sql);
    Ok(Statement { sql, cols, turns: take.vals().to_vec() })
}

/// `single`, an `INSERT ... VALUES ($1, ...)` of one row, made to insert the rows of arrays
/// `$1`, ... of `cols`' types: `INSERT ... SELECT u.c1, ... FROM unnest($1::type[], ...)`.
/// The store's statements have no `$` or parentheses inside their values' literals.
fn arrays(single: &str, cols: &[Col]) -> Option<String> {
    let (head, rest) = single.split_once(" VALUES (")?;
    let (tuple, tail) = rest.split_once(')')?;
    let each = tuple.replace('$', "u.c");
    let typed: Vec<String> =
        cols.iter().enumerate().map(|(i, c)| format!("${}::{}", i + 1, c.cast())).collect();
    let names: Vec<String> = (1..=cols.len()).map(|n| format!("c{n}")).collect();
    Some(format!("{head} SELECT {each} FROM unnest({}) AS u({}){tail}", typed.join(", "), names.join(", ")))
}

/// A count's values with its shard (value `k`) made the group's: the first count's. A host's
/// counts are spread over rows so that concurrent writers seldom change the same one (each
/// waiting for the other's commit); a booking's shard is its own at random, and a group's the
/// same for all its bookings, so a group changes one row per host, and the group of another
/// process the same one only once in [`SHARDS`](q::SHARDS) times.
fn group_shard(vals: &[Val], k: usize, shard: &mut Option<Val>) -> StoreResult<Vec<Val>> {
    let mut vals = vals.to_vec();
    let own = vals.get_mut(k).ok_or_else(|| StoreError::Invalid("a count without its shard".into()))?;
    *own = shard.get_or_insert_with(|| own.clone()).clone();
    Ok(vals)
}

fn unknown(sql: &str) -> StoreError {
    StoreError::Invalid(format!("a grouped write has a statement no part takes: {sql}"))
}

/// The rows of one part: new ones in order, and those naming a row several may change,
/// combined, in the order of their keys (the order rows are locked in, the same in every group).
#[derive(Debug, Default)]
struct Rows {
    new: Vec<Vec<Val>>,
    keyed: BTreeMap<Vec<Val>, Vec<Val>>,
}

impl Rows {
    fn add(&mut self, part: &Part, vals: &[Val]) -> StoreResult<()> {
        if part.key.is_empty() {
            self.new.push(vals.to_vec());
            return Ok(());
        }
        let key: Vec<Val> = part.key.iter().filter_map(|&k| vals.get(k).cloned()).collect();
        match self.keyed.entry(key) {
            Entry::Vacant(e) => {
                e.insert(vals.to_vec());
            }
            Entry::Occupied(mut e) => {
                let row = e.get_mut();
                for &(c, fold) in part.folds {
                    let (Some(a), Some(b)) = (row.get(c), vals.get(c)) else {
                        return Err(unknown(part.single));
                    };
                    let folded = fold.apply(a, b).ok_or_else(|| unknown(part.single))?;
                    row[c] = folded;
                }
            }
        }
        Ok(())
    }

    /// The rows as columns (none when there are no rows).
    fn columns(self) -> StoreResult<Vec<Col>> {
        let mut rows = self.new.into_iter().chain(self.keyed.into_values());
        let Some(first) = rows.next() else { return Ok(Vec::new()) };
        let mut cols: Vec<Col> = first.iter().map(Col::like).collect();
        for row in std::iter::once(first).chain(rows) {
            if row.len() != cols.len() {
                return Err(StoreError::Invalid("rows of one part differ in length".into()));
            }
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v)?;
            }
        }
        Ok(cols)
    }
}

impl Fold {
    fn apply(self, a: &Val, b: &Val) -> Option<Val> {
        match (self, a, b) {
            (Fold::Sum, Val::Int(x), Val::Int(y)) => Some(Val::Int(x.saturating_add(*y))),
            (Fold::Max, Val::Int(_), Val::Int(_)) | (Fold::Max, Val::OptInt(_), Val::OptInt(_)) => {
                Some(a.clone().max(b.clone()))
            }
            _ => None,
        }
    }
}

/// One column of a part's rows, bound as one array.
#[derive(Debug)]
enum Col {
    Uuid(Vec<Option<Uuid>>),
    Int(Vec<Option<i64>>),
    Bool(Vec<bool>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Vec<u8>>),
}

impl Col {
    /// An empty column of `v`'s type.
    fn like(v: &Val) -> Col {
        match v {
            Val::Uuid(_) | Val::OptUuid(_) => Col::Uuid(Vec::new()),
            Val::Int(_) | Val::OptInt(_) => Col::Int(Vec::new()),
            Val::Bool(_) => Col::Bool(Vec::new()),
            Val::Text(_) | Val::OptText(_) => Col::Text(Vec::new()),
            Val::Bytes(_) => Col::Bytes(Vec::new()),
        }
    }

    fn push(&mut self, v: Val) -> StoreResult<()> {
        match (self, v) {
            (Col::Uuid(c), Val::Uuid(u)) => c.push(Some(u)),
            (Col::Uuid(c), Val::OptUuid(u)) => c.push(u),
            (Col::Int(c), Val::Int(n)) => c.push(Some(n)),
            (Col::Int(c), Val::OptInt(n)) => c.push(n),
            (Col::Bool(c), Val::Bool(b)) => c.push(b),
            (Col::Text(c), Val::Text(t)) => c.push(Some(t)),
            (Col::Text(c), Val::OptText(t)) => c.push(t),
            (Col::Bytes(c), Val::Bytes(b)) => c.push(b),
            _ => return Err(StoreError::Invalid("a column of a grouped write mixes types".into())),
        }
        Ok(())
    }

    /// The array's type.
    fn cast(&self) -> &'static str {
        match self {
            Col::Uuid(_) => "uuid[]",
            Col::Int(_) => "int8[]",
            Col::Bool(_) => "bool[]",
            Col::Text(_) => "text[]",
            Col::Bytes(_) => "bytea[]",
        }
    }

    fn bind<'q>(&'q self, query: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        match self {
            Col::Uuid(c) => query.bind(c.as_slice()),
            Col::Int(c) => query.bind(c.as_slice()),
            Col::Bool(c) => query.bind(c.as_slice()),
            Col::Text(c) => query.bind(c.as_slice()),
            Col::Bytes(c) => query.bind(c.as_slice()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::script::stmt;

    #[test]
    fn an_insert_of_one_row_is_made_to_insert_the_rows_of_arrays() {
        let cols = [Col::Uuid(Vec::new()), Col::Int(Vec::new()), Col::Text(Vec::new())];
        let sql = "INSERT INTO t (a, b, c, d) VALUES ($1, $2, 'x', $3) ON CONFLICT (a) DO NOTHING";
        assert_eq!(
            arrays(sql, &cols).as_deref(),
            Some(
                "INSERT INTO t (a, b, c, d) SELECT u.c1, u.c2, 'x', u.c3 \
                 FROM unnest($1::uuid[], $2::int8[], $3::text[]) AS u(c1, c2, c3) ON CONFLICT (a) DO NOTHING"
            )
        );
        assert_eq!(arrays("UPDATE t SET a = $1", &cols), None);
    }

    #[test]
    fn rows_changing_the_same_row_are_combined_in_the_order_of_their_keys_one_shard_a_group() {
        let (h1, h2) = (Uuid::from_u128(2), Uuid::from_u128(1));
        let count = |h: Uuid, shard: i64| stmt!(q::COUNT_OCCUPANCY_CHANGE, h, shard, 1i64);
        let assign =
            |h: Uuid, at: Option<i64>, shard: i64| stmt!(q::COUNT_ASSIGNMENT, h, h, h, 1i64, at, shard);
        let a = Script(vec![count(h1, 5), assign(h1, Some(10), 5)]);
        let b = Script(vec![count(h1, 9), assign(h1, None, 9), count(h2, 9)]);
        let c = Script(vec![count(h1, 6), assign(h1, Some(7), 6)]);
        let s = statement(&[&a, &b, &c], &Turns::default()).unwrap();
        let [Col::Uuid(hosts), Col::Int(shards), Col::Int(changes)] = &s.cols[..3] else {
            panic!("{:?}", s.cols)
        };
        // The group's counts go to one row per host: the first booking's shard.
        assert_eq!(hosts, &[Some(h2), Some(h1)]);
        assert_eq!(shards, &[Some(5), Some(5)]);
        assert_eq!(changes, &[Some(1), Some(3)]);
        // One row of counts for h1: three bookings, the latest time of the two that have one.
        let [Col::Uuid(_), Col::Uuid(_), Col::Uuid(_), Col::Int(assigned), Col::Int(last), Col::Int(shards)] =
            &s.cols[3..]
        else {
            panic!("{:?}", s.cols)
        };
        let one = |v: Option<i64>| vec![v];
        assert_eq!((assigned, last, shards), (&one(Some(3)), &one(Some(10)), &one(Some(5))));
        assert!(s.sql().starts_with("WITH s3 AS (INSERT INTO occupancy_changes"), "{}", s.sql());
        assert!(s.sql().contains("), s4 AS (INSERT INTO assignment_shards"), "{}", s.sql());
        assert!(s.sql().ends_with(" AS t(a, b, x)"), "the turns are the main query: {}", s.sql());
    }

    #[test]
    fn a_write_with_a_statement_no_part_takes_is_refused() {
        let odd = Script(vec![stmt!("DELETE FROM bookings WHERE id = $1", Uuid::nil())]);
        assert!(matches!(statement(&[&odd], &Turns::default()), Err(StoreError::Invalid(_))));
    }
}
