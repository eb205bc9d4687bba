-- for: panel Stuck Site List
-- Source: document 000, "Appendix: Query Reference" (-- Panel 1.1: Stuck Sites), listing the sites
-- instead of counting them: Panel 1.1's "Click action: Populate subdomain variable with stuck site
-- list" and "Runbook Integration" / "Alert 1" step 2 ("Click stuck sites").
SELECT subdomain, current_stage, updated_at
FROM sites
WHERE current_stage != 'completed'
  AND current_stage IS NOT NULL
  AND updated_at < NOW() - INTERVAL '2 hours'
ORDER BY updated_at;
