// The reference side of `scripts/bench upload`: the AWS SDK for JavaScript uploading one file as a multipart upload with the
// same part size and parts in flight as the rig's uploader, to the same radosgw.
//   node s3-upload-bench.mjs ENDPOINT BUCKET KEY FILE PART_BYTES CONCURRENCY
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Prints {"seconds": S, "bytes": N}.
import {
  S3Client, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { open, stat } from 'node:fs/promises';

const [endpoint, bucket, key, file, partArg, concurrencyArg] = process.argv.slice(2);
if (!concurrencyArg) { console.error('usage: node s3-upload-bench.mjs ENDPOINT BUCKET KEY FILE PART_BYTES CONCURRENCY'); process.exit(2); }
const partSize = Number(partArg), concurrency = Number(concurrencyArg);
const s3 = new S3Client({
  endpoint, region: process.env.AWS_REGION ?? 'us-east-1', forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});

const size = (await stat(file)).size;
const started = process.hrtime.bigint();
const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
const handle = await open(file, 'r');
const parts = [];
let next = 0;
async function worker() {
  for (;;) {
    const index = next++;
    const offset = index * partSize;
    if (offset >= size) return;
    const length = Math.min(partSize, size - offset);
    const body = Buffer.alloc(length);
    await handle.read(body, 0, length, offset);
    const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: body }));
    parts[index] = { PartNumber: index + 1, ETag: r.ETag };
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await handle.close();
await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ seconds, bytes: size }));
