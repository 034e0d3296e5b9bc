-- Campaigns by sensor, as each sensor's detector saw them (latest state of each), oldest first.
-- ended is 1970-01-01 00:00:00 while a campaign is ongoing.
SELECT sensor, port, protocol, scope, value, started, ended, ongoing, peak, peak_ratio, packets,
       peak_sources
FROM scanscope.campaigns FINAL
ORDER BY sensor, started, port, scope, value
