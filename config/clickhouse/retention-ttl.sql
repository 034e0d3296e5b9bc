-- Retention by TTL, for servers that have it (ClickHouse 19.6 and later; Debian 12's 18.16
-- refuses TTL: use scripts/fleet-retention there). Rows leave 13 months after their bucket.

ALTER TABLE scanscope.series MODIFY TTL bucket + INTERVAL 13 MONTH;
ALTER TABLE scanscope.sources MODIFY TTL bucket + INTERVAL 13 MONTH;
ALTER TABLE scanscope.campaigns MODIFY TTL started + INTERVAL 13 MONTH;
