// An independent MCAP checker for EdgeRig exports (@mcap/core + protobufjs, nothing from the C# side):
//   node check-mcap.mjs FILE.mcap
// Reads the file through its summary (McapIndexedReader, zstd chunks via fzstd), decodes every message with the
// protobuf schema embedded in the file (a FileDescriptorSet), and prints one JSON object:
//   channels: per topic {schema, count, statisticsCount, ordered, firstLogTime, lastLogTime}
//   logTimesOrdered (file order), decodeErrors, images {total, jpeg}, audio per topic {samplesPerChannel, seconds, spanSeconds},
//   metadata {name: entries}, attachments {name: {mediaType, bytes, text (JSON ones)}},
//   transforms [{parent, child, translation [x,y,z], rotation [x,y,z,w]}] (foxglove.FrameTransform),
//   cameraCalibrations {topic: {frameId, width, height, distortionModel, D, K, R, P}} (foxglove.CameraCalibration).
import { McapIndexedReader } from '@mcap/core';
import { decompress } from 'fzstd';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor.js';
import { open } from 'node:fs/promises';

const file = process.argv[2];
if (!file) { console.error('usage: node check-mcap.mjs FILE.mcap'); process.exit(2); }
const handle = await open(file, 'r');
const { size } = await handle.stat();
const readable = {
  size: async () => BigInt(size),
  read: async (offset, length) => {
    const buffer = new Uint8Array(Number(length));
    await handle.read(buffer, 0, buffer.length, Number(offset));
    return buffer;
  },
};
const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers: { zstd: (data) => decompress(data) } });

const decoders = new Map();
for (const [id, channel] of reader.channelsById) {
  const schema = reader.schemasById.get(channel.schemaId);
  if (!schema || schema.encoding !== 'protobuf' || channel.messageEncoding !== 'protobuf') throw new Error(`${channel.topic}: not a protobuf channel`);
  const root = protobuf.Root.fromDescriptor(schema.data);
  decoders.set(id, { topic: channel.topic, schema: schema.name, type: root.lookupType(schema.name) });
}

const channels = {}, audio = {};
const images = { total: 0, jpeg: 0 };
const transforms = [], cameraCalibrations = {};
let decodeErrors = 0, logTimesOrdered = true, previous = -1n;
for (const { topic, schema } of decoders.values())
  channels[topic] = { schema, count: 0, statisticsCount: reader.statistics ? 0 : null, ordered: true, firstLogTime: null, lastLogTime: null };
for (const [id, n] of reader.statistics?.channelMessageCounts ?? []) channels[decoders.get(id).topic].statisticsCount = Number(n);

for await (const message of reader.readMessages({ validateCrcs: true })) {
  const { topic, schema, type } = decoders.get(message.channelId);
  const c = channels[topic];
  if (message.logTime < previous) logTimesOrdered = false;
  previous = message.logTime;
  if (c.lastLogTime !== null && message.logTime < BigInt(c.lastLogTime)) c.ordered = false;
  c.firstLogTime ??= message.logTime.toString();
  c.lastLogTime = message.logTime.toString();
  c.count++;
  let decoded;
  try { decoded = type.decode(message.data); } catch { decodeErrors++; continue; }
  if (schema === 'foxglove.CompressedImage') {
    images.total++;
    if (decoded.format === 'jpeg' && decoded.data.length >= 2 && decoded.data[0] === 0xff && decoded.data[1] === 0xd8) images.jpeg++;
  } else if (schema === 'foxglove.FrameTransform') {
    const { translation: t, rotation: r } = decoded;
    transforms.push({ parent: decoded.parent_frame_id ?? decoded.parentFrameId, child: decoded.child_frame_id ?? decoded.childFrameId,
      translation: [t.x, t.y, t.z], rotation: [r.x, r.y, r.z, r.w] });
  } else if (schema === 'foxglove.CameraCalibration') {
    cameraCalibrations[topic] = { frameId: decoded.frame_id ?? decoded.frameId, width: decoded.width, height: decoded.height,
      distortionModel: decoded.distortion_model ?? decoded.distortionModel, D: decoded.D, K: decoded.K, R: decoded.R, P: decoded.P };
  } else if (schema === 'foxglove.RawAudio') {
    const channelCount = decoded.number_of_channels ?? decoded.numberOfChannels;
    const a = audio[topic] ??= { format: decoded.format, sampleRate: decoded.sample_rate ?? decoded.sampleRate, channels: channelCount,
      samplesPerChannel: 0, ragged: 0, first: message.logTime, last: message.logTime, lastBlock: 0 };
    const frames = decoded.data.length / (2 * channelCount);
    if (!Number.isInteger(frames)) a.ragged++;
    a.samplesPerChannel += Math.floor(frames);
    a.last = message.logTime;
    a.lastBlock = Math.floor(frames);
  }
}
for (const a of Object.values(audio)) {
  a.seconds = a.samplesPerChannel / a.sampleRate;
  a.spanSeconds = Number(a.last - a.first) / 1e9 + a.lastBlock / a.sampleRate;
  delete a.first; delete a.last; delete a.lastBlock;
}
const metadata = {};
for await (const m of reader.readMetadata()) metadata[m.name] = Object.fromEntries(m.metadata);
const attachments = {};
for await (const a of reader.readAttachments()) attachments[a.name] = { mediaType: a.mediaType, bytes: a.data.length, text: a.mediaType === 'application/json' ? new TextDecoder().decode(a.data) : undefined };
await handle.close();
console.log(JSON.stringify({ file, bytes: size, channels, logTimesOrdered, decodeErrors, images, audio, metadata, attachments, transforms, cameraCalibrations }, null, 1));
