//! A small common face of the two databases, for SQL that is the same on
//! both (the accounts: users, members, devices, enrollments, sessions).
//! Such SQL uses `$1, $2, …` in order of first use — PostgreSQL's
//! placeholders, which SQLite reads as named parameters numbered in order of
//! appearance — and only TEXT and BIGINT columns.

use std::borrow::Cow;
use std::collections::HashMap;

use qadam_core::StoreError;

/// A parameter or a column value. Parameters borrow their text (no copy
/// per bound value); column values own it.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Null,
}

impl Val<'_> {
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(s: &'a str) -> Val<'a> {
        Val::Text(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for Val<'a> {
    fn from(s: &'a String) -> Val<'a> {
        Val::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Val<'static> {
    fn from(s: String) -> Val<'static> {
        Val::Text(Cow::Owned(s))
    }
}

impl From<i64> for Val<'static> {
    fn from(i: i64) -> Val<'static> {
        Val::Int(i)
    }
}

impl<'a, T: Into<Val<'a>>> From<Option<T>> for Val<'a> {
    fn from(v: Option<T>) -> Val<'a> {
        v.map(Into::into).unwrap_or(Val::Null)
    }
}

pub type Row = Vec<Val<'static>>;

/// One connection (or transaction) of either database.
pub trait Db {
    fn execute(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Val<'_>]) -> Result<Vec<Row>, StoreError>;
    /// Runs `insert` (an `INSERT … ON CONFLICT … DO NOTHING` into a table
    /// whose integer key is `key`) and answers the new row's key, or `None`
    /// when nothing was inserted.
    fn insert_key(&mut self, insert: &str, key: &str, params: &[Val<'_>]) -> Result<Option<i64>, StoreError>;
}

impl Db for rusqlite::Connection {
    fn execute(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64, StoreError> {
        Db::execute(&mut &*self, sql, params)
    }

    fn query(&mut self, sql: &str, params: &[Val<'_>]) -> Result<Vec<Row>, StoreError> {
        Db::query(&mut &*self, sql, params)
    }

    fn insert_key(&mut self, insert: &str, key: &str, params: &[Val<'_>]) -> Result<Option<i64>, StoreError> {
        Db::insert_key(&mut &*self, insert, key, params)
    }
}

/// A SQLite connection shared (a transaction or savepoint derefs to one):
/// statements are prepared once per connection and cached.
impl Db for &rusqlite::Connection {
    fn execute(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64, StoreError> {
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    /// The row id SQLite gave the row (the key of an `INTEGER PRIMARY KEY`).
    fn insert_key(&mut self, insert: &str, _key: &str, params: &[Val<'_>]) -> Result<Option<i64>, StoreError> {
        let n = Db::execute(self, insert, params)?;
        Ok((n > 0).then(|| self.last_insert_rowid()))
    }

    fn query(&mut self, sql: &str, params: &[Val<'_>]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Val::Null,
                    rusqlite::types::ValueRef::Integer(v) => Val::Int(v),
                    rusqlite::types::ValueRef::Text(t) => {
                        Val::Text(Cow::Owned(String::from_utf8_lossy(t).into_owned()))
                    }
                    other => {
                        return Err(StoreError::Corrupt(format!("unexpected column type {:?}", other.data_type())))
                    }
                });
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// Binds without copying: text is borrowed for the statement's run.
impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Int(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            Val::Null => ToSqlOutput::Owned(Value::Null),
        })
    }
}

/// A PostgreSQL connection with the statements it has prepared: a
/// statement is parsed and planned once per connection, not once per call
/// (a round trip each).
pub struct PgConn {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    pub fn new(client: postgres::Client) -> Self {
        PgConn { client, statements: HashMap::new() }
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql).map_err(pg)?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

impl Db for PgConn {
    fn execute(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64, StoreError> {
        let st = self.statement(sql)?;
        let p = pg_params(params);
        self.client.execute(&st, &pg_refs(&p)).map_err(pg)
    }

    fn insert_key(&mut self, insert: &str, key: &str, params: &[Val<'_>]) -> Result<Option<i64>, StoreError> {
        let st = self.statement(&format!("{insert} RETURNING {key}"))?;
        let p = pg_params(params);
        Ok(self.client.query_opt(&st, &pg_refs(&p)).map_err(pg)?.map(|r| r.get(0)))
    }

    fn query(&mut self, sql: &str, params: &[Val<'_>]) -> Result<Vec<Row>, StoreError> {
        let st = self.statement(sql)?;
        let p = pg_params(params);
        let rows = self.client.query(&st, &pg_refs(&p)).map_err(pg)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        let ty = r.columns()[i].type_();
                        if *ty == postgres::types::Type::INT8 {
                            r.try_get::<_, Option<i64>>(i).map(|v| v.map(Val::Int).unwrap_or(Val::Null)).map_err(pg)
                        } else if *ty == postgres::types::Type::INT4 {
                            r.try_get::<_, Option<i32>>(i)
                                .map(|v| v.map(|v| Val::Int(v.into())).unwrap_or(Val::Null))
                                .map_err(pg)
                        } else {
                            r.try_get::<_, Option<String>>(i)
                                .map(|v| v.map(|s| Val::Text(Cow::Owned(s))).unwrap_or(Val::Null))
                                .map_err(pg)
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// PostgreSQL parameters: a NULL is sent as a NULL of text (every nullable
/// column of the shared SQL is text).
enum PgParam<'a> {
    Text(Option<&'a str>),
    Int(i64),
}

fn pg_params<'a>(params: &'a [Val<'_>]) -> Vec<PgParam<'a>> {
    params
        .iter()
        .map(|v| match v {
            Val::Text(s) => PgParam::Text(Some(s)),
            Val::Int(i) => PgParam::Int(*i),
            Val::Null => PgParam::Text(None),
        })
        .collect()
}

fn pg_refs<'a>(p: &'a [PgParam<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    p.iter()
        .map(|v| match v {
            PgParam::Text(s) => s as &(dyn postgres::types::ToSql + Sync),
            PgParam::Int(i) => i as &(dyn postgres::types::ToSql + Sync),
        })
        .collect()
}

fn pg(e: postgres::Error) -> StoreError {
    StoreError::Database(e.to_string())
}
