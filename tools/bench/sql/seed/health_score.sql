-- for: panel Health Score | alert clerk_health_degraded
-- Source: document 000, "Appendix: Query Reference" (-- Panel 1.2: Health Score), which is also
-- the query of "Alert Rules" / "Alert 2: Health Score Degraded".
SELECT ROUND(100.0 *
    COUNT(*) FILTER (
        WHERE current_stage = 'completed'
           OR updated_at >= NOW() - INTERVAL '2 hours'
    ) / NULLIF(COUNT(*), 0),
1) as health_score
FROM sites
WHERE current_stage IS NOT NULL
  AND started_at > NOW() - INTERVAL '24 hours';
