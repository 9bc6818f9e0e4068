// The service the system test's oxpoke checks, run with Debian's nodejs in the guest:
//   node poke-target.mjs PORTFILE STATUSFILE
// Listens on a free loopback port (written to PORTFILE once listening) and answers
// /add with {"result": 4} and the status named in STATUSFILE (200 when absent), so
// the stage turns the check CRITICAL and back by writing a number into a file.
import * as fs from 'node:fs';
import * as http from 'node:http';

const [portFile, statusFile] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  let status = 200;
  try {
    status = Number(fs.readFileSync(statusFile, 'utf8').trim()) || 200;
  } catch {
    // No file: the service is healthy.
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ result: 4 }));
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(`${portFile}.tmp`, String(server.address().port));
  fs.renameSync(`${portFile}.tmp`, portFile);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
