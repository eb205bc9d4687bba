-- The Clerk pipeline's `sites` table as document 000 describes it: what the Clerk SQL panels,
-- alerts, benchmark and previews run against.
CREATE TABLE sites (
    id serial PRIMARY KEY,
    subdomain text NOT NULL,
    current_stage text,
    started_at timestamptz,
    updated_at timestamptz,
    ocr_total int NOT NULL DEFAULT 0, ocr_completed int NOT NULL DEFAULT 0, ocr_failed int NOT NULL DEFAULT 0,
    compilation_total int NOT NULL DEFAULT 0, compilation_completed int NOT NULL DEFAULT 0,
    compilation_failed int NOT NULL DEFAULT 0,
    extraction_total int NOT NULL DEFAULT 0, extraction_completed int NOT NULL DEFAULT 0,
    extraction_failed int NOT NULL DEFAULT 0,
    deploy_total int NOT NULL DEFAULT 0, deploy_completed int NOT NULL DEFAULT 0,
    deploy_failed int NOT NULL DEFAULT 0
);
