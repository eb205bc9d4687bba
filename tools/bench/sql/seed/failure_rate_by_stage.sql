-- for: panel Failure Rate by Stage
-- Source: document 000, "Panel Specifications" / "Panel 2.2: Failure Rate by Stage": the full
-- four-stage UNION. The Appendix gives only its OCR part ("OCR example"), which would compare a
-- quarter of the work with the whole panel. `$__range` is the dashboard's 24 hours.
SELECT
    DATE_TRUNC('hour', updated_at) as time,
    'ocr' as stage,
    ROUND(100.0 * SUM(ocr_failed) / NULLIF(SUM(ocr_total), 0), 1) as failure_rate
FROM sites
WHERE ocr_total > 0
  AND updated_at >= NOW() - INTERVAL '24 hours'
GROUP BY time

UNION ALL

SELECT
    DATE_TRUNC('hour', updated_at) as time,
    'compilation' as stage,
    ROUND(100.0 * SUM(compilation_failed) / NULLIF(SUM(compilation_total), 0), 1) as failure_rate
FROM sites
WHERE compilation_total > 0
  AND updated_at >= NOW() - INTERVAL '24 hours'
GROUP BY time

UNION ALL

SELECT
    DATE_TRUNC('hour', updated_at) as time,
    'extraction' as stage,
    ROUND(100.0 * SUM(extraction_failed) / NULLIF(SUM(extraction_total), 0), 1) as failure_rate
FROM sites
WHERE extraction_total > 0
  AND updated_at >= NOW() - INTERVAL '24 hours'
GROUP BY time

UNION ALL

SELECT
    DATE_TRUNC('hour', updated_at) as time,
    'deploy' as stage,
    ROUND(100.0 * SUM(deploy_failed) / NULLIF(SUM(deploy_total), 0), 1) as failure_rate
FROM sites
WHERE deploy_total > 0
  AND updated_at >= NOW() - INTERVAL '24 hours'
GROUP BY time

ORDER BY time, stage;
