-- Distinct sources per hour by country on one port, over every sensor (the seed reports'
-- first figure). A source two sensors saw counts once. Change the port and protocol at will;
-- on a cluster, read scanscope.sources_all instead.
SELECT bucket, country, uniqExact(source) AS sources
FROM scanscope.sources
WHERE port = 8545 AND protocol = 'tcp'
GROUP BY bucket, country
ORDER BY bucket, sources DESC
