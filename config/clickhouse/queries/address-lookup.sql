-- One address over every sensor: when each sensor saw it, the ports it probed, its clusters,
-- tools and signatures, where it comes from and whose it is. IPv4 as '::ffff:a.b.c.d', IPv6 as
-- it is. On a cluster, read scanscope.sources_all instead.
SELECT sensor,
       min(bucket) AS first_seen,
       max(bucket) + 3600 AS last_seen,
       groupUniqArray(port) AS ports,
       groupUniqArrayArray(clusters) AS clusters,
       groupUniqArrayArray(tools) AS tools,
       groupUniqArrayArray(signatures) AS signatures,
       any(country) AS country,
       any(asn) AS asn,
       any(actor) AS actor
FROM scanscope.sources
WHERE source = toFixedString(IPv6StringToNum('::ffff:1.105.11.10'), 16)
GROUP BY sensor
ORDER BY sensor
