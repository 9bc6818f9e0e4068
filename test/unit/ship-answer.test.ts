import test from 'ava';
import { describeEsError, readBulkAnswer } from '../../src/ship/bulk-answer';
import { ProgressLine } from '../../src/ship/progress';
import { exitStatus, RunOutcome, summaryLine } from '../../src/ship/summary';
import { esError } from '../helpers/fake-elasticsearch';

const answer = (status: number, body: unknown) => ({ status, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('429 and 5xx are worth retrying; 502-504 also mean the node is not there', (t) => {
  t.like(readBulkAnswer(answer(429, esError('es_rejected_execution_exception', 'rejected execution', 429)), 3), {
    kind: 'retry',
    reason: 'HTTP 429: es_rejected_execution_exception: rejected execution',
    nodeDown: false,
  });
  t.like(readBulkAnswer(answer(500, 'oops'), 1), { kind: 'retry', nodeDown: false });
  t.like(readBulkAnswer(answer(503, '<html>proxy</html>'), 1), { kind: 'retry', nodeDown: true, reason: 'HTTP 503: <html>proxy</html>' });
  t.like(readBulkAnswer(answer(200, 'not json'), 1), { kind: 'retry' });
  t.like(readBulkAnswer(answer(200, { items: [] }), 1), { kind: 'retry', reason: 'HTTP 200 with 0 items for 1 documents' });
});

test('other statuses refuse the request as a whole, with Elasticsearch\'s reason', (t) => {
  t.deepEqual(readBulkAnswer(answer(401, esError('security_exception', 'missing authentication credentials', 401)), 1), {
    kind: 'refused',
    reason: 'HTTP 401: security_exception: missing authentication credentials',
  });
  t.deepEqual(readBulkAnswer(answer(406, { error: 'Content-Type header [text/plain] is not supported', status: 406 }), 1), {
    kind: 'refused',
    reason: 'HTTP 406: Content-Type header [text/plain] is not supported',
  });
  t.like(readBulkAnswer(answer(413, ''), 1), { kind: 'refused', reason: 'HTTP 413: (empty answer)' });
});

test('a 200 answer is read item by item: created, updated, throttled, rejected', (t) => {
  const verdict = readBulkAnswer(
    answer(200, {
      took: 3,
      errors: true,
      items: [
        { index: { _index: 'i', _id: '1', status: 201, result: 'created' } },
        { index: { _index: 'i', _id: '2', status: 200, result: 'updated' } },
        { index: { _index: 'i', _id: '3', status: 429, error: { type: 'es_rejected_execution_exception', reason: 'busy' } } },
        { index: { _index: 'i', _id: '4', status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [x]', caused_by: { type: 'illegal_argument_exception', reason: 'bad' } } } },
      ],
    }),
    4,
  );
  t.deepEqual(verdict, {
    kind: 'items',
    items: [
      { status: 201, error: null, errorType: null },
      { status: 200, error: null, errorType: null },
      { status: 429, error: 'es_rejected_execution_exception: busy', errorType: 'es_rejected_execution_exception' },
      { status: 400, error: 'mapper_parsing_exception: failed to parse field [x] (caused by illegal_argument_exception: bad)', errorType: 'mapper_parsing_exception' },
    ],
  });
  t.is(describeEsError('plain').text, 'plain');
});

const outcome = (over: Partial<RunOutcome> = {}, stats: Partial<RunOutcome['stats']> = {}): RunOutcome => ({
  read: 10,
  filtered: 0,
  seconds: 2,
  readFailed: false,
  cutShort: false,
  stats: { sent: 10, indexed: 10, replaced: 0, rejected: 0, undelivered: 0, retries: 0, rejectedBy: new Map(), ...stats },
  ...over,
});

test('the summary accounts for every event; the exit status is 1 when any was not indexed', (t) => {
  t.is(summaryLine(outcome()), 'oxstash: 10 events read, 10 sent, 10 indexed, 0 rejected, 0 not delivered, 0 retries in 2.0 s (5 indexed/s)');
  t.is(exitStatus(outcome()), 0);
  const rejected = outcome({ filtered: 2 }, { sent: 8, indexed: 5, replaced: 1, rejected: 3, retries: 1, rejectedBy: new Map([['mapper_parsing_exception', 2], ['invalid_event', 1]]) });
  t.is(
    summaryLine(rejected),
    'oxstash: 10 events read, 2 left out by --type-name, 8 sent, 5 indexed (1 replaced the same event shipped before), ' +
      '3 rejected (mapper_parsing_exception 2, invalid_event 1), 0 not delivered, 1 retry in 2.0 s (3 indexed/s)',
  );
  t.is(exitStatus(rejected), 1);
  t.is(exitStatus(outcome({}, { indexed: 7, undelivered: 3 })), 1);
  t.is(exitStatus(outcome({ readFailed: true })), 1);
  t.is(exitStatus(outcome({ cutShort: true })), 1);
});

test('the progress line: done/total, percent and rate; "?" until the total is known', (t) => {
  t.is(ProgressLine.format(1200, 5000, 2000), 'oxstash: 1200/5000 events (24.0%), 600 events/s');
  t.is(ProgressLine.format(1200, null, 1000), 'oxstash: 1200/? events, 1200 events/s');
  t.is(ProgressLine.format(0, 0, 0), 'oxstash: 0/0 events (100.0%), 0 events/s');
});
