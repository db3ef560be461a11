//! Black-box tests of the `motcua` binary: the command line, and the HTTP API of a real
//! `motcua serve` process on a real SQLite file and, when `MOTCUA_TEST_PG` names a server, on
//! PostgreSQL.

mod api;
mod browser;
mod cli;
mod interchange;
mod pages;
mod papers;
mod serve;
mod simulate;
mod support;
mod workspace;
