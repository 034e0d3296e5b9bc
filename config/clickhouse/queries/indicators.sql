-- What the fleet's emulated conversations (--emulate) gave away: requests per indicator summed
-- over sensors and runs (each run's latest row), with when it was first and last seen and by
-- how many sensors. Recipient addresses of thefts, download URLs, pushed files' hashes, ...
SELECT kind, port, value, sum(count) AS requests, min(first_seen) AS first, max(last_seen) AS last,
       uniqExact(sensor) AS sensors
FROM scanscope.indicators FINAL
GROUP BY kind, port, value
ORDER BY requests DESC, kind, port, value
