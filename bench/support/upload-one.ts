// One upload through MpegFlow's uploader, as a whole process (what bench/upload.ts times against `mc cp`):
// node bench/support/upload-one.ts URL BUCKET KEY FILE PART_MIB CONCURRENCY, the keys in BENCH_ACCESS / BENCH_SECRET.
import { createS3Client, signerOf } from '../../src/core/s3/client.ts';
import { uploadFile } from '../../src/core/s3/objects.ts';

const [url, bucket, key, file, partMiB, concurrency] = process.argv.slice(2);
const client = createS3Client({
  name: 'bench',
  url: url!,
  accessKey: process.env.BENCH_ACCESS!,
  secretKey: process.env.BENCH_SECRET!,
  region: 'us-east-1',
  caCert: null,
});
const result = await uploadFile({
  signer: signerOf(client),
  bucket: bucket!,
  key: key!,
  file: file!,
  partSize: Number(partMiB) * 1024 * 1024,
  partConcurrency: Number(concurrency),
});
process.stdout.write(`${result.sha256}\n`);
