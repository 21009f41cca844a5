//! A small common face of the two databases, for SQL that is the same on
//! both (the accounts: users, members, devices, enrollments, sessions).
//! Such SQL uses `$1, $2, …` in order of first use — PostgreSQL's
//! placeholders, which SQLite reads as named parameters numbered in order of
//! appearance — and only TEXT and BIGINT columns.

use qadam_core::StoreError;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(String),
    Int(i64),
    Null,
}

impl Val {
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

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map(Into::into).unwrap_or(Val::Null)
    }
}

pub type Row = Vec<Val>;

/// One connection (or transaction) of either database.
pub trait Db {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError>;
}

impl Db for rusqlite::Connection {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(params.iter().map(sqlite_param)))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter().map(sqlite_param)))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Val::Null,
                    rusqlite::types::ValueRef::Integer(v) => Val::Int(v),
                    rusqlite::types::ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
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

fn sqlite_param(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Val::Int(i) => rusqlite::types::Value::Integer(*i),
        Val::Null => rusqlite::types::Value::Null,
    }
}

impl Db for postgres::Client {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let p = pg_params(params);
        postgres::Client::execute(self, sql, &pg_refs(&p)).map_err(pg)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
        let p = pg_params(params);
        let rows = postgres::Client::query(self, sql, &pg_refs(&p)).map_err(pg)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        if let Ok(v) = r.try_get::<_, Option<String>>(i) {
                            Ok(v.map(Val::Text).unwrap_or(Val::Null))
                        } else {
                            r.try_get::<_, Option<i64>>(i).map(|v| v.map(Val::Int).unwrap_or(Val::Null)).map_err(pg)
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// PostgreSQL parameters: a NULL is sent as a NULL of text (every nullable
/// column of the shared SQL is text).
enum PgParam {
    Text(Option<String>),
    Int(i64),
}

fn pg_params(params: &[Val]) -> Vec<PgParam> {
    params
        .iter()
        .map(|v| match v {
            Val::Text(s) => PgParam::Text(Some(s.clone())),
            Val::Int(i) => PgParam::Int(*i),
            Val::Null => PgParam::Text(None),
        })
        .collect()
}

fn pg_refs(p: &[PgParam]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
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
