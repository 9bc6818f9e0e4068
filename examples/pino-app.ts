/**
 * pino logging into BlueOx: each record a request logs becomes a
 * `request.log` event carrying the request's id; records logged outside any
 * request become top-level `log` events. pino still prints its JSON lines
 * to stdout (pino.multistream).
 *
 *   make run                                                  # oxd writing to ./var/log/blueox
 *   BLUEOX_HOST=127.0.0.1:3514 node build/examples/pino-app.js
 *
 * Sends 2 `request`, 5 `request.log` and 2 `log` events.
 */
import pino from 'pino';
import * as blueox from '../src/client';
import { blueoxDestination } from '../src/client/log/pino';

async function handle(logger: pino.Logger, order: number): Promise<void> {
  await blueox.context('request', async () => {
    blueox.set('path', `/orders/${order}`);
    logger.info({ order }, `handling order ${order}`);
    await new Promise((resolve) => setImmediate(resolve)); // the other request runs meanwhile
    logger.warn(`order ${order} is slow`);
    if (order === 2) logger.error(new Error(`order ${order} failed`));
    blueox.set('response.status', order === 2 ? 500 : 200);
  });
}

async function main(): Promise<void> {
  blueox.defaultConfigure();
  // A destination, not pino.transport(): a worker thread could not see the request's context.
  const logger = pino(
    { name: 'pino-app', level: 'debug' },
    pino.multistream([{ level: 'debug', stream: process.stdout }, { level: 'debug', stream: blueoxDestination({ minLevel: 'info' }) }]),
  );
  logger.info('starting');
  logger.debug('printed, but below minLevel: not sent');
  await Promise.all([handle(logger, 1), handle(logger, 2)]);
  logger.info('done');
  await blueox.shutdown(); // sends what is queued before the process ends
}

void main();
