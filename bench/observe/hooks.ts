// The CPU the request path's observability hooks cost per request, measured
// in process (CPU time moves much less with a shared machine's load than
// throughput does): tracing at ratio 1.0 (the request, queue, batch, compute
// and encode spans of 32-request batches, exported to the local sink) and
// payload logging `all` (both events of each request, delivered to the local
// sink), each including its export/delivery. Two figures each: the main
// thread's CPU (process.threadCpuUsage: in the server that thread parses,
// batches and answers every request, so it bounds throughput) and the whole
// process's (the logger's sink thread included).
// bench/observe/main.ts puts the figures in its record; run alone:
// node bench/observe/hooks.ts <sink-url>
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../common/src/logger.ts';
import type { LoggerConfig, ServiceIdentity } from '../../runtime/src/config.ts';
import { createPayloadLogger } from '../../runtime/src/logging/payload-logger.ts';
import { encodeInferResponse } from '../../runtime/src/protocol/v2-json.ts';
import { createOtelTracer } from '../../runtime/src/tracing/otel.ts';
import type { BatchMember } from '../../runtime/src/tracing/types.ts';
import { round } from '../runtime/stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const IDENTITY: ServiceIdentity = Object.freeze({ inferenceService: 'mnist', namespace: 'bench', component: 'predictor', revision: 'mnist-predictor-bench' });
const BATCH = 32;

/** CPU µs of the main thread (the one that answers requests in the server) and of the whole process (sink threads included). */
interface Cpu {
  main: number;
  process: number;
}

function now(): Cpu {
  const t = process.threadCpuUsage();
  const p = process.cpuUsage();
  return { main: t.user + t.system, process: p.user + p.system };
}

function since(before: Cpu): Cpu {
  const after = now();
  return { main: after.main - before.main, process: after.process - before.process };
}

function perRequest(cpu: Cpu, n: number): Cpu {
  return { main: round(cpu.main / n, 2), process: round(cpu.process / n, 2) };
}

async function exportedSpans(sinkUrl: string): Promise<number> {
  return ((await (await fetch(`${sinkUrl}/count`)).json()) as { spans: number }).spans;
}

/** µs of CPU per traced request: the spans of `n` requests in batches of 32, one batch per event-loop turn as a loaded server runs them, and their export. */
export async function tracingCpuUs(sinkUrl: string, n: number): Promise<Cpu & { spansExported: number; spansRecorded: number }> {
  const headers = { 'content-type': 'application/json' };
  const attributes = { protocol: 'v2', method: 'POST', path: '/v2/models/mnist/infer' };
  const make = () => createOtelTracer({ endpoint: `${sinkUrl}/v1/traces`, samplingRatio: 1 }, IDENTITY);
  const run = async (tracer: ReturnType<typeof make>, count: number) => {
    for (let i = 0; i < count; i += BATCH) {
      const members: BatchMember[] = [];
      for (let j = 0; j < BATCH; j++) members.push({ trace: tracer.startRequest(headers, attributes)!, queuedAt: performance.now() });
      const startedAt = performance.now();
      tracer.batch(members, { size: BATCH, rows: BATCH, worker: 0, startedAt, endedAt: performance.now(), computeSeconds: 0.0001, error: undefined });
      for (const m of members) {
        m.trace.encode(() => 0);
        m.trace.end(200);
      }
      // About 2,000 requests a second, what the server reaches at c=64 on this model: the export must keep up with it.
      await new Promise((resolve) => setTimeout(resolve, 16));
    }
  };
  // Warmed up (and its export started) as a server's tracer is before the measured load.
  const tracer = make();
  await run(tracer, 2048);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const spansBefore = await exportedSpans(sinkUrl);
  const before = now();
  await run(tracer, n);
  await tracer.shutdown();
  const cpu = perRequest(since(before), n);
  // infer, queue and encode per request; batch and compute per 32.
  return { ...cpu, spansRecorded: n * 3 + (n / BATCH) * 2, spansExported: (await exportedSpans(sinkUrl)) - spansBefore };
}

/** µs of CPU per logged request (mode `all`): both events built, queued and POSTed to the sink. */
export async function loggingCpuUs(sinkUrl: string, n: number): Promise<{ offer: Cpu; total: Cpu }> {
  const reference = JSON.parse(readFileSync(path.join(REPO, 'examples/models/mnist-mlp.reference.json'), 'utf8')) as { inputs: Array<{ data: number[] }> };
  const requestBody = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], data: reference.inputs[0]!.data.slice(0, 784) }] }));
  const responseBody = encodeInferResponse('mnist', undefined, undefined, [{ tensor: { name: 'logits', datatype: 'FP32', shape: [1, 10], data: new Float32Array(10).map((_, i) => i / 7) }, binary: undefined }]);
  const config: LoggerConfig = {
    url: `${sinkUrl}/events`, storageUri: undefined, mode: 'all', metadataHeaders: [], sampleRate: 1, queueSize: 100_000, flushIntervalMs: 1000, flushBytes: 1 << 20, s3Endpoint: undefined, s3Region: 'us-east-1',
  };
  const logger = createLogger({ component: 'bench-observe', level: 'warn' });
  let dropped = 0;
  const make = () => createPayloadLogger(config, IDENTITY, { logger, count: (_s, outcome, k) => (dropped += outcome === 'sent' ? 0 : k) });
  const headers = { 'content-type': 'application/json' };
  const run = (payloads: ReturnType<typeof make>, count: number) => {
    for (let i = 0; i < count; i++) {
      const log = payloads.begin(headers)!;
      payloads.request(log, () => requestBody.toString('utf8'));
      payloads.response(log, () => responseBody);
    }
  };
  const warm = make();
  run(warm, 1000);
  await warm.close(performance.now() + 30_000);
  const measured = make();
  // Offered in bursts of 64 between event-loop turns, as a loaded server does, so delivery runs alongside.
  const offer: Cpu = { main: 0, process: 0 };
  const before = now();
  for (let i = 0; i < n; i += 64) {
    const b = now();
    run(measured, 64);
    const used = since(b);
    offer.main += used.main;
    offer.process += used.process;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await measured.close(performance.now() + 60_000);
  const total = since(before);
  if (dropped > 0) throw new Error(`${dropped} events were dropped or failed`);
  return { offer: perRequest(offer, n), total: perRequest(total, n) };
}

if (import.meta.main) {
  const sink = process.argv[2];
  if (!sink) {
    console.error('usage: hooks.ts <sink-url>');
    process.exit(2);
  }
  console.log('tracing µs/request', await tracingCpuUs(sink, 20_000));
  console.log('logging µs/request', await loggingCpuUs(sink, 10_000));
}
