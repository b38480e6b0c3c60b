import { MpegflowError } from '../errors.ts';

/** Why a bucket name is invalid (the S3 rules minio-js and MinIO apply), or null. */
export function bucketNameProblem(bucket: string): string | null {
  if (bucket.length < 3 || bucket.length > 63) return 'it must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
    return 'it may hold only lower-case letters, digits, dots and hyphens, and must start and end with a letter or digit';
  }
  if (bucket.includes('..')) return 'it contains ".."';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'it looks like an IP address';
  return null;
}

/** Why an object key (or prefix) is refused before any request, or null: "." and ".." segments, control characters. */
export function objectKeyProblem(key: string): string | null {
  if ([...key].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return 'it contains control characters';
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) return 'it contains "." or ".." segments';
  if (Buffer.byteLength(key) > 1024) return 'it is longer than 1024 bytes';
  return null;
}

/** Refuses an invalid bucket name or object key before any request is sent. */
export function checkObjectPath(alias: string, bucket: string, key: string, shown = `${alias}/${bucket}/${key}`): void {
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) {
    throw new MpegflowError(`'${bucket}' in ${shown} is not a valid bucket name: ${bucketProblem}`, {
      code: 'INVALID_BUCKET_NAME',
      suggestion: `check the bucket name; list the buckets with \`mc ls ${alias}\``,
      details: { endpoint: alias, path: shown },
    });
  }
  const keyProblem = objectKeyProblem(key);
  if (keyProblem) {
    throw new MpegflowError(`refusing the object key in ${shown}: ${keyProblem}`, {
      code: 'INVALID_OBJECT_KEY',
      suggestion: 'write the key without "." or ".." segments: S3 keys are not file paths and are never resolved',
      details: { endpoint: alias, path: shown },
    });
  }
}
