/**
 * console into BlueOx: while bridged, each console.log/info/warn/error/debug
 * call still prints and also becomes a `.log` event: `request.log` with the
 * request's id inside a request, a top-level `log` outside.
 *
 *   make run                                                     # oxd writing to ./var/log/blueox
 *   BLUEOX_HOST=127.0.0.1:3514 node build/examples/console-app.js
 *
 * Sends 2 `request`, 5 `request.log` and 1 `log` events.
 */
import * as blueox from '../src/client';
import { bridgeConsole } from '../src/client/log/console';

async function handle(order: number): Promise<void> {
  await blueox.context('request', async () => {
    blueox.set('path', `/orders/${order}`);
    console.info('handling order %d', order);
    await new Promise((resolve) => setImmediate(resolve)); // the other request runs meanwhile
    console.warn(`order ${order} is slow`);
    if (order === 2) console.error(`order ${order} failed:`, new Error('card declined'));
    blueox.set('response.status', order === 2 ? 500 : 200);
  });
}

async function main(): Promise<void> {
  blueox.defaultConfigure();
  const unbridge = bridgeConsole({ minLevel: 'info' });
  console.log('starting');
  console.debug('printed, but below minLevel: not sent');
  await Promise.all([handle(1), handle(2)]);
  unbridge();
  console.log('done (printed only: console is no longer bridged)');
  await blueox.shutdown(); // sends what is queued before the process ends
}

void main();
