-- Distinct sources per hour by cluster on one port, over every sensor (the seed reports'
-- second figure). A source counted under two clusters in an hour counts under each, as the
-- sensor's own series do.
SELECT bucket, cluster, uniqExact(source) AS sources
FROM scanscope.sources
ARRAY JOIN clusters AS cluster
WHERE port = 8545 AND protocol = 'tcp'
GROUP BY bucket, cluster
ORDER BY bucket, sources DESC
