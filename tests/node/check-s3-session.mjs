// An independent S3 view of an uploaded session (@aws-sdk/client-s3, nothing from the C# side):
//   node check-s3-session.mjs ENDPOINT BUCKET SESSION_ROOT
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Lists every object under SESSION_ROOT (e.g. lab/rig-a/S1/),
// downloads each one and hashes it, and prints one JSON object:
//   objects: [{key, size, lastModified (ms since epoch), sha256, metadata {rig, session, software, sha256}}] sorted by key,
//   manifest: the parsed manifest.json or null, pendingMultipart: [{key, uploadId}] of unfinished uploads under the root.
import {
  S3Client, ListObjectsV2Command, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';

const [endpoint, bucket, root] = process.argv.slice(2);
if (!root) { console.error('usage: node check-s3-session.mjs ENDPOINT BUCKET SESSION_ROOT'); process.exit(2); }
const s3 = new S3Client({
  endpoint, region: process.env.AWS_REGION ?? 'us-east-1', forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});

const keys = [];
for (let token; ;) {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: root, ContinuationToken: token }));
  for (const o of page.Contents ?? []) keys.push({ key: o.Key, size: o.Size, lastModified: o.LastModified.getTime() });
  if (!page.IsTruncated) break;
  token = page.NextContinuationToken;
}

const objects = [];
let manifest = null;
for (const o of keys.sort((a, b) => (a.key < b.key ? -1 : 1))) {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.key }));
  const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }))).Body.transformToByteArray());
  const sha256 = createHash('sha256').update(body).digest('hex');
  objects.push({ ...o, downloadedBytes: body.length, sha256, metadata: head.Metadata ?? {} });
  if (o.key === `${root}manifest.json`) manifest = JSON.parse(body.toString('utf8'));
}

const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: root }));
const pendingMultipart = (uploads.Uploads ?? []).map(u => ({ key: u.Key, uploadId: u.UploadId }));
console.log(JSON.stringify({ objects, manifest, pendingMultipart }));
