-- for: panel Stage Distribution
-- Source: document 000, "Appendix: Query Reference" (-- Panel 1.3: Stage Distribution).
SELECT
    current_stage,
    COUNT(*) as count
FROM sites
WHERE current_stage IS NOT NULL
  AND updated_at > NOW() - INTERVAL '24 hours'
GROUP BY current_stage
ORDER BY count DESC;
