import type { AreaSchema } from '../store/migration.ts';

export const jobsSchema: AreaSchema = {
  area: 'jobs',
  migrations: [
    {
      version: 1,
      description: 'encode job queue with leases',
      up: (db) =>
        db.exec(`
          CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            source_identity TEXT NOT NULL,
            preset TEXT NOT NULL,
            preset_hash TEXT NOT NULL,
            preset_file TEXT,
            destination TEXT NOT NULL,
            job_key TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            not_before INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_expires_at INTEGER,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            result TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
          );
          -- one live or finished job per source version + preset + destination; failed and cancelled ones may be submitted again
          CREATE UNIQUE INDEX jobs_live_key ON jobs (job_key) WHERE state IN ('queued', 'running', 'done');
          CREATE INDEX jobs_claim ON jobs (state, priority DESC, id);
          CREATE TABLE job_attempts (
            job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            attempt INTEGER NOT NULL,
            worker TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT,
            error TEXT,
            PRIMARY KEY (job_id, attempt)
          );
          CREATE TABLE job_logs (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            ts TEXT NOT NULL,
            line TEXT NOT NULL
          );
          CREATE INDEX job_logs_job ON job_logs (job_id, id);
        `),
    },
  ],
};
