-- for: alert clerk_ocr_failures_high
-- Source: document 000, "Alert Rules" / "Alert 3: High OCR Failure Rate" (the Appendix has no
-- alert-only query).
SELECT
    'ocr' as stage,
    ROUND(100.0 * SUM(ocr_failed) / NULLIF(SUM(ocr_total), 0), 1) as failure_rate
FROM sites
WHERE ocr_total > 0
  AND updated_at >= NOW() - INTERVAL '1 hour';
