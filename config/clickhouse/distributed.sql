-- Tables that read every shard of the cluster `scanscope` (remote_servers in each server's
-- configuration; docs/fleet.md). Create them, after schema.sql, on the servers queries go to.
-- Sensors keep inserting into the local tables of the server their --clickhouse names; the
-- queries of queries/ read the *_all tables instead of the local ones.

CREATE TABLE IF NOT EXISTS scanscope.series_all AS scanscope.series
ENGINE = Distributed(scanscope, scanscope, series, rand());

CREATE TABLE IF NOT EXISTS scanscope.sources_all AS scanscope.sources
ENGINE = Distributed(scanscope, scanscope, sources, rand());

CREATE TABLE IF NOT EXISTS scanscope.campaigns_all AS scanscope.campaigns
ENGINE = Distributed(scanscope, scanscope, campaigns, rand());

CREATE TABLE IF NOT EXISTS scanscope.indicators_all AS scanscope.indicators
ENGINE = Distributed(scanscope, scanscope, indicators, rand());
