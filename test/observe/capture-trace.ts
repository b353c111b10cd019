// For docs/observability.md: runs the runtime with tracing to a real
// OpenTelemetry Collector (test/cluster/tools/otelcol), sends concurrent
// requests so that batches form, and copies the collector's file output to
// argv[2]. `make docs-trace` then draws it with render_trace.py.
import { copyFileSync } from 'node:fs';
import { startChildServer, postJson } from '../runtime/support/server.ts';
import { eventually, startCollector, stopProcess } from './support.ts';

const out = process.argv[2] ?? 'traces.jsonl';
const collector = await startCollector();
const server = await startChildServer('examples/models/iris.onnx', [
  '--inference-service', 'iris', '--namespace', 'ml', '--revision', 'iris-predictor-6f9c7d5b4',
  '--tracing-endpoint', collector.endpoint, '--workers', '1', '--max-queue-delay-ms', '5',
], 'iris');
try {
  const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };
  await Promise.all(Array.from({ length: 8 }, () => postJson(`${server.url}/v2/models/iris/infer`, body)));
  server.child.kill('SIGTERM');
  await server.exited;
  await eventually('the spans', () => (collector.spans().filter((s) => s.name === 'infer').length >= 8 ? true : undefined));
  copyFileSync(collector.file, out);
  console.log(`wrote ${out}`);
} finally {
  await stopProcess(server.child);
  await collector.stop();
}
