-- for: variable subdomain
-- Source: document 000, "Appendix: Query Reference" (-- Variable 2: Subdomain dropdown), the same
-- query as "Dashboard Variables" / "Variable 2: Subdomain".
SELECT DISTINCT subdomain
FROM sites
WHERE updated_at > NOW() - INTERVAL '24 hours'
ORDER BY subdomain;
