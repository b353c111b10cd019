// The ceiling any Node.js HTTP server reaches on this machine with these
// requests: node:http, read the body, JSON.parse it (or slice the binary
// header), answer a fixed 10-logit reply, and no inference at all. Printed
// beside the real server so a throughput target can be judged against what
// HTTP + JSON alone allow. argv[2]: port.
import http from 'node:http';

const reply = Buffer.from(
  JSON.stringify({ model_name: 'mnist', outputs: [{ name: 'logits', datatype: 'FP32', shape: [1, 10], data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }] }),
);

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET') {
      res.end('{}');
      return;
    }
    const body = Buffer.concat(chunks);
    const headerLength = req.headers['inference-header-content-length'];
    const json = headerLength === undefined ? body : body.subarray(0, Number(headerLength));
    JSON.parse(json.toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
    res.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
