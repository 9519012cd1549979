// An independent gRPC client (@grpc/grpc-js + proto-loader) for the integration tests:
//   node status-client.mjs HOST:PORT [SESSION_ID]
// prints {"status", "sessions", "missing": {code, details}, "anonymous": {code, details}} as JSON (token from $EDGERIG_TOKEN).
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoRoot = path.resolve(here, '..', '..', 'protos');
const definition = protoLoader.loadSync(path.join(protoRoot, 'edgerig/v1/rig.proto'),
  { includeDirs: [protoRoot], longs: String, defaults: true, keepCase: false });
const api = grpc.loadPackageDefinition(definition).edgerig.v1;
const [address, missingId = 'no-such-session'] = process.argv.slice(2);
const rig = new api.Rig(address, grpc.credentials.createInsecure());
const sessions = new api.Sessions(address, grpc.credentials.createInsecure());
const auth = new grpc.Metadata();
if (process.env.EDGERIG_TOKEN) auth.add('authorization', `Bearer ${process.env.EDGERIG_TOKEN}`);
const call = (client, method, request, metadata = auth) => new Promise((resolve) =>
  client[method](request, metadata, { deadline: Date.now() + 10000 }, (err, reply) => resolve(err ? { code: err.code, details: err.details } : reply)));

const status = await call(rig, 'getStatus', {});
const list = await call(sessions, 'listSessions', {});
const missing = await call(sessions, 'getSession', { sessionId: missingId });
const anonymous = await call(rig, 'getStatus', {}, new grpc.Metadata());
console.log(JSON.stringify({ status, sessions: list, missing, anonymous }));
rig.close();
sessions.close();
