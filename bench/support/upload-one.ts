// One upload through MpegFlow's uploader, as a whole process (what bench/upload.ts times against `mc cp`):
// node bench/support/upload-one.ts URL BUCKET KEY FILE PART_MIB CONCURRENCY, the keys in BENCH_ACCESS / BENCH_SECRET.
import http from 'node:http';
import { uploadFile } from '../../src/core/s3/objects.ts';
import { hostSigner } from '../../src/core/s3/signer.ts';

const [url, bucket, key, file, partMiB, concurrency] = process.argv.slice(2);
// the uploader and its signer alone, as an encode's publish step holds them (no S3 SDK loaded)
const signer = hostSigner(
  { name: 'bench', url: url!, accessKey: process.env.BENCH_ACCESS!, secretKey: process.env.BENCH_SECRET!, region: 'us-east-1' },
  new http.Agent({ keepAlive: true }),
);
const result = await uploadFile({
  signer,
  bucket: bucket!,
  key: key!,
  file: file!,
  partSize: Number(partMiB) * 1024 * 1024,
  partConcurrency: Number(concurrency),
});
process.stdout.write(`${result.sha256}\n`);
