-- for: panel Completions per Hour
-- Source: document 000, "Appendix: Query Reference" (-- Panel 2.1: Completions per Hour).
SELECT
    DATE_TRUNC('hour', updated_at) as time,
    COUNT(*) as completions
FROM sites
WHERE current_stage = 'completed'
  AND updated_at >= NOW() - INTERVAL '24 hours'
  AND updated_at <= NOW()
GROUP BY time
ORDER BY time;
