// The local sink of the observability benchmark: one node:http process that
// takes CloudEvents (answers 202) and OTLP/HTTP trace exports (answers 200
// with an empty JSON body), reading each body and counting what it got, so
// the benchmark measures the runtime's cost of producing them, not a
// collector's cost of storing them. GET /count returns the tallies (spans
// counted from the OTLP/JSON bodies, so a benchmark can tell dropped spans).
// Usage: node bench/observe/sink.ts PORT
import { createServer } from 'node:http';

const counts = { events: 0, traceExports: 0, spans: 0, bytes: 0 };

interface OtlpTraces {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }>;
}
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => {
    counts.bytes += chunk.length;
    if (req.url === '/v1/traces') chunks.push(chunk);
  });
  req.on('end', () => {
    if (req.url === '/v1/traces') {
      counts.traceExports++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
      for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) counts.spans += s.spans?.length ?? 0;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      counts.events++;
      res.writeHead(202).end();
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
