-- Packets per hour by cluster on one port, over every sensor.
SELECT bucket, value AS cluster, sum(packets) AS packets
FROM scanscope.series FINAL
WHERE kind = 'cluster' AND port = 8545 AND protocol = 'tcp'
GROUP BY bucket, cluster
ORDER BY bucket, packets DESC
