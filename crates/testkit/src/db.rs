//! Fresh databases and Redis namespaces: each test or benchmark run gets its own.

use crate::KitError;
use redis::AsyncCommands;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::path::Path;

/// The Redis the multi-instance tests and benchmarks use (`scripts/ensure-redis.sh`).
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// The Postgres server (no database) from `DUET_TEST_PG_URL`, or the local one.
pub fn postgres_server_url() -> String {
    std::env::var("DUET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A new SQLite file's URL in `dir` (created on first connection).
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}/duet.db?mode=rwc", dir.display())
}

/// A fresh SQLite file in `dir`, or a fresh Postgres database when `DUET_TEST_DB=postgres`.
pub async fn fresh_database(dir: &Path) -> String {
    if std::env::var("DUET_TEST_DB").as_deref() == Ok("postgres") {
        fresh_postgres_database().await
    } else {
        sqlite_url(dir)
    }
}

/// A new, empty Postgres database that outlives the test (the server may still be using it
/// when the test ends; `scripts/drop-test-databases.sh` removes them).
pub async fn fresh_postgres_database() -> String {
    PostgresDatabase::create("duet_test")
        .await
        .expect("Postgres is reachable (run scripts/ensure-postgres.sh)")
        .url()
        .to_owned()
}

/// A Postgres database made for one run; [`PostgresDatabase::drop`] removes it.
#[derive(Debug)]
pub struct PostgresDatabase {
    server: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    /// Creates `<prefix>_<random>` on [`postgres_server_url`].
    pub async fn create(prefix: &str) -> Result<PostgresDatabase, KitError> {
        let server = postgres_server_url();
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        // The name is ours (a prefix and hex digits), never input: safe to splice.
        admin(&server, &format!("CREATE DATABASE \"{name}\"")).await?;
        let url = format!("{server}/{name}");
        Ok(PostgresDatabase { server, name, url })
    }

    /// Its connection URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops it, disconnecting whoever still uses it.
    pub async fn drop(self) -> Result<(), KitError> {
        admin(
            &self.server,
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        )
        .await
    }
}

/// Runs one statement in the `postgres` maintenance database.
async fn admin(server: &str, statement: &str) -> Result<(), KitError> {
    let fail = |source| KitError::Postgres {
        url: server.to_owned(),
        source,
    };
    let mut conn = PgConnection::connect(&format!("{server}/postgres"))
        .await
        .map_err(fail)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&mut conn)
        .await
        .map_err(fail)?;
    conn.close().await.map_err(fail)
}

/// A Redis key prefix no one else uses, as instances of one deployment share.
#[derive(Debug, Clone)]
pub struct RedisNamespace {
    /// The `--redis-prefix` value (ends with `:`).
    pub prefix: String,
}

impl RedisNamespace {
    /// A fresh `<label>-<random>:` prefix.
    pub fn fresh(label: &str) -> RedisNamespace {
        RedisNamespace {
            prefix: format!("{label}-{}:", uuid::Uuid::new_v4().simple()),
        }
    }

    /// Deletes every key under the prefix; returns how many.
    pub async fn clear(&self, url: &str) -> Result<usize, KitError> {
        let client = redis::Client::open(url)?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        let keys: Vec<String> = {
            let mut iter = conn
                .scan_match::<_, String>(format!("{}*", self.prefix))
                .await?;
            let mut keys = Vec::new();
            while let Some(key) = futures_util::StreamExt::next(&mut iter).await {
                keys.push(key?);
            }
            keys
        };
        for chunk in keys.chunks(500) {
            let _: () = conn.del(chunk).await?;
        }
        Ok(keys.len())
    }
}
