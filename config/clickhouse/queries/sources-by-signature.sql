-- Distinct sources per hour by signature on one port, over every sensor: what they came for.
SELECT bucket, signature, uniqExact(source) AS sources
FROM scanscope.sources
ARRAY JOIN signatures AS signature
WHERE port = 8545 AND protocol = 'tcp'
GROUP BY bucket, signature
ORDER BY bucket, sources DESC
