import type { AreaSchema } from '../store/migration.ts';

export const jobsSchema: AreaSchema = {
  area: 'jobs',
  migrations: [
    {
      version: 1,
      description: 'encode job queue with leases',
      sql: `
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
        `,
    },
    {
      version: 2,
      description: 'encoder pool: lease generations (fencing), lost leases apart from failures, workers, recorded multipart uploads',
      sql: `
          ALTER TABLE jobs ADD COLUMN lease_generation INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE jobs ADD COLUMN lost_leases INTEGER NOT NULL DEFAULT 0;
          -- what a host needs to run the job, as ",endpoint:a,host:h,": a host lacking one leaves the job to others
          ALTER TABLE jobs ADD COLUMN needs TEXT NOT NULL DEFAULT ',';
          ALTER TABLE jobs ADD COLUMN import_ref TEXT;
          CREATE UNIQUE INDEX jobs_import_ref ON jobs (import_ref);
          ALTER TABLE job_attempts ADD COLUMN host TEXT;
          ALTER TABLE job_attempts ADD COLUMN generation INTEGER;
          CREATE TABLE workers (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            version TEXT NOT NULL,
            concurrency INTEGER NOT NULL,
            endpoints TEXT NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat_ms INTEGER NOT NULL,
            stopped_at TEXT,
            jobs_done INTEGER NOT NULL DEFAULT 0,
            jobs_failed INTEGER NOT NULL DEFAULT 0,
            bytes_stored INTEGER NOT NULL DEFAULT 0
          );
          CREATE TABLE job_uploads (
            upload_id TEXT PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            generation INTEGER NOT NULL,
            alias TEXT NOT NULL,
            bucket TEXT NOT NULL,
            object_key TEXT NOT NULL,
            started_at TEXT NOT NULL
          );
          CREATE INDEX job_uploads_job ON job_uploads (job_id);
        `,
    },
    {
      version: 3,
      description: 'routing: customer, class and route of each job, retention to set on its outputs',
      sql: `
          ALTER TABLE jobs ADD COLUMN customer TEXT;
          ALTER TABLE jobs ADD COLUMN class TEXT;
          ALTER TABLE jobs ADD COLUMN route TEXT;
          -- JSON {retain, mode, legalHold}: S3 Object Lock set on the outputs when they are published
          ALTER TABLE jobs ADD COLUMN retention TEXT;
          CREATE INDEX jobs_customer_class ON jobs (customer, class);
        `,
    },
    {
      version: 4,
      description: 'the attempts a job was submitted with, which `job retry` gives it again',
      sql: `
          -- NULL for jobs submitted before it: a retry gives them the default
          ALTER TABLE jobs ADD COLUMN attempt_budget INTEGER;
        `,
    },
    {
      version: 5,
      description: 'the heartbeat interval of each worker (a quarter of its --lease-seconds), to tell a dead worker from a slow beat',
      sql: `
          ALTER TABLE workers ADD COLUMN heartbeat_every_ms INTEGER;
        `,
    },
    {
      version: 6,
      description: 'the schema versions each worker knows, so that `db status` and `db migrate` tell which hosts can run',
      compatibility: 'additive',
      sql: `
          -- JSON {area: version}; NULL for workers of versions before it
          ALTER TABLE workers ADD COLUMN schema_known TEXT;
        `,
    },
    {
      version: 7,
      description: 'how each worker reaches the queue: itself, or through a broker that holds the credentials',
      compatibility: 'additive',
      sql: `
          -- 'broker' for \`worker --broker\`; NULL for a worker with the database and the storage keys
          ALTER TABLE workers ADD COLUMN mode TEXT;
        `,
    },
  ],
};
