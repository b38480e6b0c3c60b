import type { Db } from '../store/open.ts';
import type { Lease } from './queue.ts';

/**
 * The multipart uploads each lease of a job started, recorded before their first part: a takeover aborts
 * those of earlier leases even where the store cannot list them, and a broker grants a lease's parts,
 * completion and abort for its own uploads only.
 */
export interface RecordedUpload {
  uploadId: string;
  jobId: number;
  generation: number;
  alias: string;
  bucket: string;
  key: string;
}

export async function recordUpload(db: Db, upload: RecordedUpload): Promise<void> {
  const ts = new Date(await db.nowMs()).toISOString();
  await db.run(
    'INSERT INTO job_uploads (upload_id, job_id, generation, alias, bucket, object_key, started_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id) DO NOTHING',
    [upload.uploadId, upload.jobId, upload.generation, upload.alias, upload.bucket, upload.key, ts],
  );
}

export async function forgetUpload(db: Db, uploadId: string): Promise<void> {
  await db.run('DELETE FROM job_uploads WHERE upload_id = ?', [uploadId]);
}

/** The uploads one lease of a job started (a broker grants their parts, their completion and their abort only). */
export async function leaseUploads(db: Db, jobId: number, generation: number): Promise<RecordedUpload[]> {
  const rows = await db.all<UploadRow>('SELECT * FROM job_uploads WHERE job_id = ? AND generation = ?', [jobId, generation]);
  return rows.map(fromUploadRow);
}

interface UploadRow {
  upload_id: string;
  job_id: number;
  generation: number;
  alias: string;
  bucket: string;
  object_key: string;
}

const fromUploadRow = (r: UploadRow): RecordedUpload => ({
  uploadId: r.upload_id,
  jobId: Number(r.job_id),
  generation: Number(r.generation),
  alias: r.alias,
  bucket: r.bucket,
  key: r.object_key,
});

/** Uploads of earlier generations of a job: their workers are gone, so they are aborted. */
export async function staleUploads(db: Db, lease: Lease): Promise<RecordedUpload[]> {
  const rows = await db.all<UploadRow>('SELECT * FROM job_uploads WHERE job_id = ? AND generation < ?', [lease.id, lease.leaseGeneration]);
  return rows.map(fromUploadRow);
}
