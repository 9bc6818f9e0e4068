/**
 * The smallest BlueOx application: one `request` event with a nested `.db`
 * event, sent to oxd at BLUEOX_HOST (or 127.0.0.1:3514).
 *
 *   make run                       # in one terminal: oxd writing to ./var/log/blueox
 *   node build/examples/basic.js   # in another
 */
import * as blueox from '../src/client';

async function main(): Promise<void> {
  blueox.defaultConfigure();
  await blueox.context('request', async () => {
    blueox.set('path', '/items/1');
    const rows = await blueox.context('.db', async () => {
      blueox.set('query', 'select * from items where id = $1');
      return blueox.timeit('query_time', async () => [{ id: 1 }]);
    });
    blueox.set('response.status', 200);
    blueox.set('response.rows', rows.length);
  });
  await blueox.shutdown();
  process.stdout.write(`sent: ${JSON.stringify(blueox.stats())}\n`);
}

void main();
