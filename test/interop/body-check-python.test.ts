/**
 * oxd's body check against the reader it protects: Python's strict
 * msgpack.Unpacker (Debian's python3-msgpack). A body passes the check exactly
 * when Python decodes it to one map with nothing left over (within oxd's
 * nesting limit of 512), for the hand-made cases and for fuzzed bodies.
 *
 * Reproduce a failure with HOSTILE_SEED=<seed printed in the message>.
 */
import test from 'ava';
import { checkEventBody } from '../../src/protocol/event-body';
import { BAD_BODIES, GOOD_BODIES, originalBodies } from '../helpers/body-cases';
import { fuzzBody } from '../helpers/body-fuzz';
import { mulberry32, SEED } from '../helpers/random';
import { strictVerdicts } from '../helpers/strict-msgpack';

const accepts = (body: Buffer): boolean => checkEventBody(body, 0, body.length) === null;

test('the hand-made good and bad bodies: Python agrees with the check on each', async (t) => {
  const cases: Array<[string, Buffer]> = [...GOOD_BODIES, ...BAD_BODIES.map(([label, body]): [string, Buffer] => [label, body])];
  const verdicts = await strictVerdicts(cases.map(([, body]) => body));
  cases.forEach(([label, body], i) => t.is(accepts(body), verdicts[i], label));
  t.true(verdicts.slice(0, GOOD_BODIES.length).every(Boolean), 'Python reads every good body');
  t.false(verdicts.slice(GOOD_BODIES.length).some(Boolean), 'Python refuses every bad body');
  const original = originalBodies();
  t.deepEqual(await strictVerdicts(original), original.map(() => true));
});

test('fuzzed bodies: the check accepts exactly what Python reads as one map', async (t) => {
  const rand = mulberry32(SEED);
  const bodies = Array.from({ length: 50_000 }, () => fuzzBody(rand));
  const verdicts = await strictVerdicts(bodies);
  const disagree = bodies.filter((body, i) => accepts(body) !== verdicts[i]);
  t.deepEqual(
    disagree.slice(0, 5).map((b) => `${b.toString('hex')} check=${checkEventBody(b, 0, b.length)}`),
    [],
    `seed ${SEED} (HOSTILE_SEED=${SEED} to reproduce): ${disagree.length} of ${bodies.length} bodies judged differently`,
  );
  const problems: Record<string, number> = {};
  for (const body of bodies) {
    const p = checkEventBody(body, 0, body.length) ?? 'accepted';
    problems[p] = (problems[p] ?? 0) + 1;
  }
  t.log(`seed ${SEED}: ${JSON.stringify(problems)}`);
  for (const p of ['accepted', 'not-map', 'incomplete', 'trailing-bytes', 'invalid', 'unreadable']) {
    t.true((problems[p] ?? 0) > 20, `the fuzz reached "${p}": ${JSON.stringify(problems)}`);
  }
});
