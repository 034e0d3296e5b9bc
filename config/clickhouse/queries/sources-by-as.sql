-- Distinct sources per hour by origin AS on one port, over every sensor: the hosting providers
-- a campaign moves between. A source two sensors saw counts once; AS 0: none known. Change the
-- port and protocol at will; on a cluster, read scanscope.sources_all instead.
SELECT bucket, asn, uniqExact(source) AS sources
FROM scanscope.sources
WHERE port = 8545 AND protocol = 'tcp'
GROUP BY bucket, asn
ORDER BY bucket, sources DESC
