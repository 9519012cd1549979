// Hostile input against a running rig, with an independent client (@grpc/grpc-js):
//   EDGERIG_TOKEN=... node fuzz.mjs HOST:PORT
// Prints {"cases": [{name, code, details, expected}], "unexpected": [...], "flood": {...}, "up": bool} as JSON.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoRoot = path.resolve(here, '..', '..', 'protos');
const definition = protoLoader.loadSync(['edgerig/v1/rig.proto', 'edgerig/v1/admin.proto'].map(f => path.join(protoRoot, f)),
  { includeDirs: [protoRoot], longs: String, defaults: true });
const api = grpc.loadPackageDefinition(definition).edgerig.v1;
const address = process.argv[2];
const creds = grpc.credentials.createInsecure();
const options = { 'grpc.max_send_message_length': 64 * 1024 * 1024 };
const rig = new api.Rig(address, creds, options);
const sessions = new api.Sessions(address, creds, options);
const admin = new api.Admin(address, creds, options);
const raw = new grpc.Client(address, creds, options);
const auth = new grpc.Metadata();
auth.add('authorization', `Bearer ${process.env.EDGERIG_TOKEN}`);
const C = grpc.status;

const deadline = () => ({ deadline: Date.now() + 15000 });
const unary = (client, method, request) => new Promise(resolve =>
  client[method](request, auth, deadline(), (err, reply) => resolve(err ? { code: err.code, details: err.details } : { code: 0, reply })));
const stream = (client, method, request) => new Promise(resolve => {
  const call = client[method](request, auth, deadline());
  let done = false;
  const finish = (r) => { if (!done) { done = true; resolve(r); call.cancel(); } };
  call.on('data', () => finish({ code: 0, details: 'data' }));
  call.on('error', err => finish({ code: err.code, details: err.details }));
  call.on('end', () => finish({ code: 0, details: 'end' }));
});
const garbage = (method, bytes) => new Promise(resolve =>
  raw.makeUnaryRequest(method, x => x, x => x, Buffer.from(bytes), auth, deadline(),
    (err) => resolve(err ? { code: err.code, details: err.details } : { code: 0 })));

const huge = 'x'.repeat(5 * 1024 * 1024);
const traversal = ['../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '/etc/passwd', 'a/../../b', '\u0000', '....//....//etc'];
const cases = [];
const run = async (name, expected, promise) => { const r = await promise; cases.push({ name, expected, code: r.code, details: r.details ?? '' }); };

// wrong types: bytes that are not the message, or a field with the wrong wire type
for (const m of ['/edgerig.v1.Sessions/GetSession', '/edgerig.v1.Rig/StartRecording', '/edgerig.v1.Admin/CreateToken', '/edgerig.v1.Rig/Arm'])
  for (const bytes of [[0xff, 0xff, 0xff, 0xff], [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], [0x09, 1, 2, 3], [0x12, 0x05, 1]])
    // bytes that do not parse: grpc-dotnet answers before any interceptor runs, with UNKNOWN
    await run(`garbage ${m} ${bytes}`, [C.UNKNOWN, C.INTERNAL, C.INVALID_ARGUMENT, C.NOT_FOUND, C.FAILED_PRECONDITION], garbage(m, bytes));
await run('arm pre_trigger string-as-double', [C.INVALID_ARGUMENT, C.INTERNAL], garbage('/edgerig.v1.Rig/Arm', [0x0a, 0x03, 0x61, 0x62, 0x63]));

// huge strings (over the 4 MB receive limit: each on its own connection, as a separate hostile client would)
const fresh = (Service) => new Service(address, creds, { ...options, 'grpc.use_local_subchannel_pool': 1 });
await run('5 MB session id', [C.RESOURCE_EXHAUSTED, C.NOT_FOUND, C.INVALID_ARGUMENT], unary(fresh(api.Sessions), 'getSession', { sessionId: huge }));
await run('5 MB marker label', [C.RESOURCE_EXHAUSTED, C.INVALID_ARGUMENT, C.FAILED_PRECONDITION], unary(fresh(api.Rig), 'addMarker', { label: huge }));
await run('100k name', [C.INVALID_ARGUMENT], unary(rig, 'startRecording', { name: 'n'.repeat(100000) }));
await run('100k tag', [C.INVALID_ARGUMENT], unary(rig, 'startRecording', { tags: { site: 't'.repeat(100000) } }));
await run('100k token name', [C.INVALID_ARGUMENT], unary(admin, 'createToken', { name: 'a'.repeat(100000), role: 'data' }));

// unknown ids
for (const id of ['20990101-000000-dead', 'nope', ''])
{
  await run(`get ${id}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], unary(sessions, 'getSession', { sessionId: id }));
  await run(`pull ${id}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], stream(sessions, 'pullSession', { sessionId: id }));
  await run(`export ${id}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], stream(sessions, 'exportSession', { sessionId: id, format: 'mcap' }));
  await run(`delete ${id}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], unary(sessions, 'deleteSession', { sessionId: id, force: true }));
  await run(`confirm ${id}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], unary(sessions, 'confirmPull', { sessionId: id, sessionSha256: 'x' }));
}

// path traversal in ids, names and formats
for (const t of traversal)
{
  await run(`pull ${JSON.stringify(t)}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], stream(sessions, 'pullSession', { sessionId: t }));
  await run(`export ${JSON.stringify(t)}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], stream(sessions, 'exportSession', { sessionId: t, format: 'mcap' }));
  await run(`delete ${JSON.stringify(t)}`, [C.NOT_FOUND, C.INVALID_ARGUMENT], unary(sessions, 'deleteSession', { sessionId: t, force: true }));
  await run(`token name ${JSON.stringify(t)}`, [C.INVALID_ARGUMENT], unary(admin, 'createToken', { name: t, role: 'data' }));
  await run(`revoke ${JSON.stringify(t)}`, [C.INVALID_ARGUMENT], unary(admin, 'revokeToken', { name: t }));
}

// a real session, then negative and reversed ranges on it
const started = await unary(rig, 'startRecording', { name: '../../etc/passwd', operator: '..\\..\\windows' });
await new Promise(r => setTimeout(r, 800));
const stopped = await unary(rig, 'stopRecording', {});
const id = stopped.reply?.id ?? 'missing';
cases.push({ name: 'record with a traversal name', expected: [0], code: started.code, details: started.details ?? '' });
await run('pull from_chunk -5', [C.INVALID_ARGUMENT], stream(sessions, 'pullSession', { sessionId: id, fromChunk: -5 }));
await run('pull from_chunk huge', [C.INVALID_ARGUMENT], stream(sessions, 'pullSession', { sessionId: id, fromChunk: 2147483647 }));
await run('export reversed range', [C.INVALID_ARGUMENT], stream(sessions, 'exportSession', { sessionId: id, format: 'mcap', fromNs: '2000', toNs: '1000' }));
await run('export negative range', [C.INVALID_ARGUMENT], stream(sessions, 'exportSession', { sessionId: id, format: 'mcap', fromNs: '-5', toNs: '10' }));
await run('export format traversal', [C.INVALID_ARGUMENT], stream(sessions, 'exportSession', { sessionId: id, format: '../../etc/passwd' }));
await run('export unknown stream', [C.INVALID_ARGUMENT], stream(sessions, 'exportSession', { sessionId: id, format: 'mcap', streams: ['../cam0'] }));
await run('arm negative', [C.INVALID_ARGUMENT], unary(rig, 'arm', { preTriggerSeconds: -1 }));
await run('arm NaN', [C.INVALID_ARGUMENT], unary(rig, 'arm', { preTriggerSeconds: NaN }));
await run('arm huge buffer', [C.INVALID_ARGUMENT], unary(rig, 'arm', { preTriggerSeconds: 5, maxBytes: '9223372036854775807' }));
await run('token expires negative', [C.INVALID_ARGUMENT], unary(admin, 'createToken', { name: 'neg', role: 'data', expiresInDays: -3 }));
await run('token unknown role', [C.INVALID_ARGUMENT], unary(admin, 'createToken', { name: 'r', role: 'root' }));
await run('audit huge limit', [0], unary(admin, 'listAudit', { limit: 2147483647 }));
await run('stop when idle', [C.FAILED_PRECONDITION], unary(rig, 'stopRecording', {}));
await run('trigger when not armed', [C.FAILED_PRECONDITION], unary(rig, 'trigger', {}));

// floods: many concurrent calls, bounded in count and time
const t0 = Date.now();
const flood = await Promise.all(Array.from({ length: 1500 }, (_, i) =>
  i % 3 === 0 ? unary(rig, 'getStatus', {}) : i % 3 === 1 ? unary(sessions, 'getSession', { sessionId: `flood-${i}` }) : stream(sessions, 'pullSession', { sessionId: `f-${i}` })));
const floodCodes = {};
for (const r of flood) floodCodes[r.code] = (floodCodes[r.code] ?? 0) + 1;

const up = (await unary(rig, 'getStatus', {})).code === 0;
const unexpected = cases.filter(c => !c.expected.includes(c.code));
console.log(JSON.stringify({ cases: cases.length, unexpected, flood: { calls: flood.length, ms: Date.now() - t0, codes: floodCodes }, up }));
for (const c of [rig, sessions, admin, raw]) c.close();
