-- Packets per hour by country on one port, over every sensor. FINAL drops a bucket delivered
-- twice before the background merge has.
SELECT bucket, country, sum(packets) AS packets
FROM scanscope.series FINAL
WHERE kind = 'port' AND port = 8545 AND protocol = 'tcp'
GROUP BY bucket, country
ORDER BY bucket, packets DESC
