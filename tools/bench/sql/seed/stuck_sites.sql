-- for: panel Stuck Sites | alert clerk_stuck_sites | alert clerk_stuck_sites_critical
-- Source: document 000, "Appendix: Query Reference" (-- Panel 1.1: Stuck Sites), which is also
-- the query of "Alert Rules" / "Alert 1: Stuck Sites Critical".
SELECT COUNT(*) as stuck_count
FROM sites
WHERE current_stage != 'completed'
  AND current_stage IS NOT NULL
  AND updated_at < NOW() - INTERVAL '2 hours';
