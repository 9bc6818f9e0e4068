/**
 * Application metrics in the statsd protocol with hot-shots, the common
 * Node.js statsd client, sent over UDP to oxd's statsd source (or to any
 * statsd). Each interval oxd aggregates what it received and writes it to
 * Graphite as etsy statsd would.
 *
 *   STATSD_HOST=127.0.0.1 STATSD_PORT=8125 node build/examples/hot-shots-app.js
 *
 * Both variables are optional (these are the defaults). Sends one datagram
 * per metric:
 *
 *   shop.orders:1|c|#env:example    a counter, with a DogStatsD tag
 *   shop.checkout:42|ms             a timer: a duration in milliseconds
 *   shop.queue:7|g                  a gauge: a level at this moment
 *   shop.customers:alice|s          a set: counts distinct members per interval
 */
import StatsD from 'hot-shots';

function port(text: string | undefined): number {
  if (text === undefined || text === '') return 8125;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`STATSD_PORT must be a port number (1-65535), not ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const client = new StatsD({
  host: process.env.STATSD_HOST || '127.0.0.1',
  port: port(process.env.STATSD_PORT),
  // Plain statsd whatever the environment: DD_* variables would otherwise switch hot-shots
  // to Datadog's agent (its telemetry metrics, container ids, env/service/version tags).
  datadog: false,
  includeDataDogTags: false,
  errorHandler: (err) => {
    console.error(`could not send to statsd: ${err.message}`);
    process.exitCode = 1;
  },
});

client.increment('shop.orders', 1, ['env:example']);
client.timing('shop.checkout', 42); // e.g. Date.now() - started, or client.asyncTimer(fn, 'shop.checkout')
client.gauge('shop.queue', 7);
client.set('shop.customers', 'alice');

// Sends what is queued, closes the socket; the process can then end.
client.close((err) => {
  if (err) {
    console.error(`could not close the statsd client: ${err.message}`);
    process.exitCode = 1;
  }
});
