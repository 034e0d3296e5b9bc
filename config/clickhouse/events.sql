-- scanscope's event log (--events, docs/events.md) in ClickHouse: one row per JSON line, the
-- EVE fields as columns and the nested objects' fields as `object.field` columns. Load with
--   clickhouse-client --input_format_skip_unknown_fields=1 --input_format_import_nested_json=1 \
--     --query 'INSERT INTO scanscope.events FORMAT JSONEachRow' < events.json
-- (or the same settings as URL parameters of the HTTP interface).
CREATE DATABASE IF NOT EXISTS scanscope;

CREATE TABLE IF NOT EXISTS scanscope.events
(
    timestamp String,            -- 2018-01-08T06:00:33.623830+0000
    event_type String,           -- alert, campaign, lead_change, new_tool
    src_ip String,
    src_port UInt16,
    dest_ip String,
    dest_port UInt16,
    proto String,
    `alert.signature_id` UInt32,
    `alert.signature` String,
    `alert.category` String,
    `alert.severity` UInt8,
    payload_printable String,
    action String,               -- campaign: start or end
    `campaign.scope` String,
    `campaign.port` UInt16,
    `campaign.value` String,
    `campaign.start` String,
    `lead_change.port` UInt16,
    `lead_change.dimension` String,
    `lead_change.from` String,
    `lead_change.to` String
)
ENGINE = MergeTree
ORDER BY (event_type, timestamp);
