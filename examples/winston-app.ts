/**
 * winston logging into BlueOx: each record a request logs becomes a
 * `request.log` event carrying the request's id; records logged outside any
 * request become top-level `log` events. winston still prints through its
 * Console transport.
 *
 *   make run                                                     # oxd writing to ./var/log/blueox
 *   BLUEOX_HOST=127.0.0.1:3514 node build/examples/winston-app.js
 *
 * Sends 2 `request`, 5 `request.log` and 2 `log` events.
 */
import winston from 'winston';
import * as blueox from '../src/client';
import { BlueOxTransport } from '../src/client/log/winston';

async function handle(logger: winston.Logger, order: number): Promise<void> {
  await blueox.context('request', async () => {
    blueox.set('path', `/orders/${order}`);
    logger.info('handling order %d', order);
    await new Promise((resolve) => setImmediate(resolve)); // the other request runs meanwhile
    logger.warn(`order ${order} is slow`);
    if (order === 2) logger.error(`order ${order} failed`, new Error('card declined'));
    blueox.set('response.status', order === 2 ? 500 : 200);
  });
}

async function main(): Promise<void> {
  blueox.defaultConfigure();
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(winston.format.label({ label: 'winston-app' }), winston.format.splat()),
    transports: [
      new winston.transports.Console({ format: winston.format.simple() }),
      new BlueOxTransport({ minLevel: 'info' }),
    ],
  });
  logger.info('starting');
  logger.debug('printed, but below minLevel: not sent');
  await Promise.all([handle(logger, 1), handle(logger, 2)]);
  logger.info('done');
  await blueox.shutdown(); // sends what is queued before the process ends
}

void main();
