-- scanscope's fleet store: the tables every sensor's --clickhouse exporter writes to.
-- Accepted by Debian 12's clickhouse-server (18.16) and by current releases alike: plain
-- types (addresses as FixedString(16), IPv4 mapped), custom partitioning, ReplacingMergeTree.
--
--   clickhouse-client --multiquery < config/clickhouse/schema.sql
--
-- Every row carries the sensor and its run (the start of the sensor process, microseconds since
-- the epoch; for a run over captures, the captures' identity, so a rerun of the same captures
-- after a crash replaces its rows). A bucket delivered twice (a retry after a lost answer) has the same sorting key
-- twice, and ReplacingMergeTree keeps one: read series and campaigns with FINAL for exact sums
-- before the background merge has run. Distinct sources (uniqExact over `sources`) are exact either way.
-- Tables are partitioned by month: retention drops whole months (scripts/fleet-retention, or
-- retention-ttl.sql on servers that have TTL).

CREATE DATABASE IF NOT EXISTS scanscope;

-- The lines of the series files: packets and this sensor's distinct sources per
-- (bucket, port, kind, value, country). kind: port, cluster, tool, signature, fingerprint, actor, technique,
-- conversation (with --respond: handshake, payload), payload_tool (tools named by payload),
-- as (value: the AS number, 0 when none is known).
CREATE TABLE IF NOT EXISTS scanscope.series
(
    sensor String,
    run UInt64,
    bucket DateTime('UTC'),
    port UInt16,
    protocol String,
    kind String,
    value String,
    country String,
    packets UInt64,
    sources UInt64,
    partial UInt8
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (sensor, run, bucket, port, protocol, kind, value, country);

-- One row per (bucket, port, source) a sensor saw, with what it was counted under: distinct
-- sources across sensors are uniqExact(source), per country, per arrayJoin(clusters), ...
CREATE TABLE IF NOT EXISTS scanscope.sources
(
    sensor String,
    run UInt64,
    bucket DateTime('UTC'),
    port UInt16,
    protocol String,
    source FixedString(16),
    country String,
    clusters Array(String),
    tools Array(String),
    signatures Array(String),
    actor String,
    asn UInt32,
    payload_tools Array(String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (sensor, run, bucket, port, protocol, source);
-- A store made before sources had an AS takes it with
--   ALTER TABLE scanscope.sources ADD COLUMN asn UInt32 AFTER actor;
-- and one made before tools named by payload takes them with
--   ALTER TABLE scanscope.sources ADD COLUMN payload_tools Array(String) AFTER asn;
-- (and the same on scanscope.sources_all where there is one).

-- Campaigns as each sensor's detector sees them (started/ended, not start/end: END is a
-- keyword). A campaign is written at every bucket it is open and when it ends: the row with the
-- highest version is the latest.
CREATE TABLE IF NOT EXISTS scanscope.campaigns
(
    sensor String,
    run UInt64,
    port UInt16,
    protocol String,
    scope String,
    value String,
    started DateTime('UTC'),
    ended DateTime('UTC'),
    ongoing UInt8,
    peak DateTime('UTC'),
    peak_ratio Float64,
    packets UInt64,
    peak_sources UInt64,
    ramp UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(started)
ORDER BY (sensor, run, port, protocol, scope, value, started);

-- What each sensor's emulated conversations (--emulate), or the requests it read as they
-- passed, gave away: one row per (kind, port, value) each bucket it came again, counted since
-- the run began; the row with the highest version is the latest. Sum `count` over sensors for
-- requests; `sources` are each sensor's own. A store made before indicators takes this table
-- by running this file again (every statement is IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS scanscope.indicators
(
    sensor String,
    run UInt64,
    kind String,
    port UInt16,
    value String,
    first_seen DateTime('UTC'),
    last_seen DateTime('UTC'),
    count UInt64,
    sources UInt64,
    first_source FixedString(16),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (sensor, run, kind, port, value);
