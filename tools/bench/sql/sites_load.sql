-- A realistic `sites` table for the Clerk benchmark (the columns of tools/engines/sql/sites.sql).
-- Most sites completed (updated_at uniform over 30 days); %(active)s unfinished sites spread over
-- fetch..deploy, 95% of them updated in the last 90 minutes and 5% stuck for 2 hours to 7 days;
-- 0.5% never started (NULL stage); started_at 10 minutes to 6 hours before updated_at; job counters
-- filled up to the site's stage with a few percent failed. {physical_order} is the order rows are
-- written in: random() for a table updated in place for months (its rows scattered over the heap),
-- `updated` for one whose rows lie in time order. Parameters: rows, active, now.
WITH base AS (
    SELECT g,
           CASE WHEN g <= %(active)s THEN 1 + floor(random() * 5)::int  -- 1 fetch .. 5 deploy
                WHEN random() < 0.005 THEN 0                             -- never started
                ELSE 6 END AS n,                                         -- completed
           random() AS r
    FROM generate_series(1, %(rows)s) AS g
), timed AS (
    SELECT g, n,
           %(now)s::timestamptz - CASE
               WHEN n BETWEEN 1 AND 5 AND r < 0.95 THEN r / 0.95 * INTERVAL '90 minutes'
               WHEN n BETWEEN 1 AND 5 THEN INTERVAL '2 hours' + (r - 0.95) / 0.05 * INTERVAL '7 days'
               ELSE r * INTERVAL '30 days' END AS updated,
           INTERVAL '10 minutes' + random() * INTERVAL '6 hours' AS took,
           CASE WHEN n >= 2 THEN 1 + floor(random() * 200)::int ELSE 0 END AS ocr,
           CASE WHEN n >= 3 THEN 1 + floor(random() * 20)::int ELSE 0 END AS comp,
           CASE WHEN n >= 4 THEN 1 + floor(random() * 20)::int ELSE 0 END AS ext,
           CASE WHEN n >= 5 THEN 1 + floor(random() * 3)::int ELSE 0 END AS dep,
           random() * random() * 0.15 AS fail
    FROM base
), counted AS (
    SELECT *, floor(ocr * fail)::int AS ocr_f, floor(comp * fail)::int AS comp_f,
           floor(ext * fail)::int AS ext_f, floor(dep * fail * 2)::int AS dep_f
    FROM timed
)
INSERT INTO sites (subdomain, current_stage, started_at, updated_at,
                   ocr_total, ocr_completed, ocr_failed,
                   compilation_total, compilation_completed, compilation_failed,
                   extraction_total, extraction_completed, extraction_failed,
                   deploy_total, deploy_completed, deploy_failed)
SELECT format('site-%%s.civic.band', g),
       (ARRAY['fetch', 'ocr', 'compilation', 'extraction', 'deploy', 'completed'])[n],
       CASE WHEN n > 0 THEN updated - took END, updated,
       ocr, ocr - ocr_f, ocr_f, comp, comp - comp_f, comp_f, ext, ext - ext_f, ext_f,
       dep, dep - least(dep, dep_f), least(dep, dep_f)
FROM counted
ORDER BY {physical_order}
