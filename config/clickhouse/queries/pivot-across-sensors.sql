-- What else a campaign's sources did, over every sensor: the sources that sent
-- claymore-getstat1 to 3333/tcp in January 2018, and the ports they probed and the signatures
-- they sent in the same period (`what` empty: the port itself). A source two sensors saw counts
-- once; `sources` of the port and signature the question names is the campaign's own count, the
-- share's denominator. Change the port, signature and period at will; on a cluster, read
-- scanscope.sources_all instead.
SELECT port, protocol, what, uniqExact(source) AS sources
FROM scanscope.sources
ARRAY JOIN arrayConcat([''], signatures) AS what
WHERE bucket >= toDateTime('2018-01-01 00:00:00', 'UTC')
  AND bucket < toDateTime('2018-02-01 00:00:00', 'UTC')
  AND source IN
  (
      SELECT source
      FROM scanscope.sources
      WHERE port = 3333 AND protocol = 'tcp' AND has(signatures, 'claymore-getstat1')
        AND bucket >= toDateTime('2018-01-01 00:00:00', 'UTC')
        AND bucket < toDateTime('2018-02-01 00:00:00', 'UTC')
  )
GROUP BY port, protocol, what
ORDER BY sources DESC, port, what
