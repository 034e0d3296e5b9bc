-- Campaigns by sensor, as each sensor's detector saw them (latest state of each), oldest first.
-- ended is 1970-01-01 00:00:00 while a campaign is ongoing. A campaign open across a restart
-- has a row from each run (`run` is in the key): the row of its latest bucket (`version`)
-- stands, so an ended campaign leaves no stale "ongoing" row beside it.
SELECT sensor, port, protocol, scope, value, started,
       latest.1 AS ended, latest.2 AS ongoing, latest.3 AS peak, latest.4 AS peak_ratio,
       latest.5 AS packets, latest.6 AS peak_sources
FROM
(
    SELECT sensor, port, protocol, scope, value, started,
           argMax((ended, ongoing, peak, peak_ratio, packets, peak_sources), version) AS latest
    FROM scanscope.campaigns FINAL
    GROUP BY sensor, port, protocol, scope, value, started
)
ORDER BY sensor, started, port, scope, value
