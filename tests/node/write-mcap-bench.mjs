// The export benchmark's Node baseline: @mcap/core's McapWriter writing messages of given sizes to a file.
//   node write-mcap-bench.mjs SIZES.json OUT.mcap [CHUNK_BYTES]
// SIZES.json: {"topics": ["/cam0", ...], "messages": [[topicIndex, bytes, logTimeNs], ...]} in write order.
// Payloads are random bytes prepared before the clock starts; chunks are uncompressed (@mcap/core has no zstd writer).
// Prints one JSON object: {messages, payloadBytes, fileBytes, seconds, mbPerSecond (payload MB/s)}.
import { McapWriter } from '@mcap/core';
import { openSync, writeSync, closeSync, readFileSync, statSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';

const [sizesFile, outFile, chunkArg] = process.argv.slice(2);
if (!sizesFile || !outFile) { console.error('usage: node write-mcap-bench.mjs SIZES.json OUT.mcap [CHUNK_BYTES]'); process.exit(2); }
const { topics, messages } = JSON.parse(readFileSync(sizesFile, 'utf8'));
const largest = messages.reduce((m, [, bytes]) => Math.max(m, bytes), 0);
const pool = randomFillSync(new Uint8Array(largest + 4096));

const fd = openSync(outFile, 'w');
let position = 0n;
const writable = {
  position: () => position,
  write: async (buffer) => { writeSync(fd, buffer); position += BigInt(buffer.byteLength); },
};

const started = process.hrtime.bigint();
const writer = new McapWriter({ writable, chunkSize: Number(chunkArg ?? 4 * 1024 * 1024) });
await writer.start({ profile: '', library: 'write-mcap-bench' });
const schema = await writer.registerSchema({ name: 'bench.Blob', encoding: 'protobuf', data: new Uint8Array() });
const channels = [];
for (const topic of topics) channels.push(await writer.registerChannel({ topic, schemaId: schema, messageEncoding: 'protobuf', metadata: new Map() }));
let payloadBytes = 0;
for (let i = 0; i < messages.length; i++) {
  const [topic, bytes, logTime] = messages[i];
  const offset = i % 4096;
  await writer.addMessage({ channelId: channels[topic], sequence: i, logTime: BigInt(logTime), publishTime: BigInt(logTime), data: pool.subarray(offset, offset + bytes) });
  payloadBytes += bytes;
}
await writer.end();
closeSync(fd);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ messages: messages.length, payloadBytes, fileBytes: statSync(outFile).size, seconds, mbPerSecond: payloadBytes / 1e6 / seconds }));
