// A Node application using the `blueox` npm package (node_modules/blueox, unpacked
// from the package tarball that make build produces), run with Debian's nodejs.
//   node send.mjs TYPE COUNT
// Sends COUNT `TYPE` events, each with a `.db` child event sharing its id, then
// flushes (shutdown) and prints the client's stats as JSON.
import * as blueox from 'blueox';

const [type, countText] = process.argv.slice(2);
const count = Number(countText);
blueox.defaultConfigure(); // BLUEOX_HOST, else 127.0.0.1:3514

for (let i = 0; i < count; i++) {
  await blueox.context(type, async () => {
    blueox.set('i', i);
    blueox.set('runtime.node', process.version);
    await blueox.context('.db', async () => {
      blueox.set('rows', i * 2);
      await new Promise((resolve) => setImmediate(resolve));
    });
    blueox.set('response.status', 200);
  });
}
await blueox.shutdown();
const stats = blueox.stats();
console.log(JSON.stringify(stats));
process.exit(stats.sent === count * 2 ? 0 : 1);
