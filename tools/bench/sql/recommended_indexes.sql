-- The indexes docs/benchmarks.md recommends for the monitored database (the program does not own
-- its schema, so it never creates them). One statement per index; the benchmark reads this file.

-- Every "updated in the time range" panel, the OCR alert and the subdomain dropdown. The included
-- columns are everything those queries read, so PostgreSQL answers them from the index alone
-- instead of fetching tens of thousands of rows scattered over the table's pages.
CREATE INDEX sites_updated_at_idx ON sites (updated_at)
    INCLUDE (current_stage, started_at, subdomain,
             ocr_total, ocr_failed, compilation_total, compilation_failed,
             extraction_total, extraction_failed, deploy_total, deploy_failed);

-- Health Score panel and alert ("started in the range").
CREATE INDEX sites_started_at_idx ON sites (started_at) INCLUDE (current_stage, updated_at, subdomain);

-- Stuck Sites panel and alert: only the few thousand unfinished sites.
CREATE INDEX sites_unfinished_updated_at_idx ON sites (updated_at) INCLUDE (subdomain)
    WHERE current_stage <> 'completed';
