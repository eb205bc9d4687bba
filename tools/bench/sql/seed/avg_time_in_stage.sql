-- for: panel Avg Time in Stage
-- Source: document 000, "Appendix: Query Reference" (-- Panel 2.3: Average Time in Stage).
SELECT
    current_stage as stage,
    AVG(EXTRACT(EPOCH FROM (updated_at - started_at))/3600) as avg_hours
FROM sites
WHERE started_at IS NOT NULL
  AND updated_at > NOW() - INTERVAL '24 hours'
  AND current_stage IS NOT NULL
GROUP BY current_stage
ORDER BY avg_hours DESC;
