import test from 'ava';
import { checkEventBody } from '../../src/protocol/event-body';
import { INCOMPLETE, INVALID, msgpackExtent, strictExtent, UNREADABLE } from '../../src/protocol/msgpack-extent';
import { BAD_BODIES, EVENT_BODY, GOOD_BODIES, originalBodies } from '../helpers/body-cases';
import { mulberry32 } from '../helpers/random';

test('event bodies of every shape a sender may use are accepted', (t) => {
  for (const [label, body] of GOOD_BODIES) t.is(checkEventBody(body, 0, body.length), null, label);
  const original = originalBodies();
  t.is(original.length, 50);
  for (const body of original) t.is(checkEventBody(body, 0, body.length), null);
});

test('each kind of bad body is refused with its problem', (t) => {
  for (const [label, body, problem] of BAD_BODIES) t.is(checkEventBody(body, 0, body.length), problem, label);
});

test('an empty body is refused', (t) => {
  t.is(checkEventBody(Buffer.alloc(0), 0, 0), 'incomplete');
});

test('every cut of an event body is incomplete, every extension of it has trailing bytes', (t) => {
  for (let cut = 1; cut < EVENT_BODY.length; cut++) t.is(checkEventBody(EVENT_BODY, 0, cut), 'incomplete', `cut at ${cut}`);
  const longer = Buffer.concat([EVENT_BODY, EVENT_BODY]);
  for (let extra = 1; extra <= EVENT_BODY.length; extra++) {
    t.is(checkEventBody(longer, 0, EVENT_BODY.length + extra), 'trailing-bytes', `${extra} more bytes`);
  }
});

test('the check reads only its window of a larger buffer', (t) => {
  // Frames arrive as slices of a receive buffer: bytes around the body are not part of it.
  const around = Buffer.concat([Buffer.from([0xc1, 0x80]), EVENT_BODY, Buffer.from([0xc1, 0x00])]);
  t.is(checkEventBody(around, 2, 2 + EVENT_BODY.length), null);
  t.is(checkEventBody(around, 2, 1 + EVENT_BODY.length), 'incomplete');
  t.is(checkEventBody(around, 2, 3 + EVENT_BODY.length), 'trailing-bytes');
  t.is(checkEventBody(around, 1, 2 + EVENT_BODY.length), 'trailing-bytes');
});

test('the strict scan agrees with the plain extent on well-formed values and differs only where strict readers refuse', (t) => {
  const rand = mulberry32(20_240_601);
  let unreadable = 0;
  for (let i = 0; i < 20_000; i++) {
    const body = Buffer.from(EVENT_BODY);
    for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
    const plain = msgpackExtent(body, 0, body.length);
    const strict = strictExtent(body, 0, body.length);
    if (strict === UNREADABLE) unreadable++;
    // The strict scan stops at the first value it refuses, so a plain result further on is not comparable;
    // and it calls a container declaring more values than bytes are left incomplete at once, where the
    // plain scan walks on and may meet a byte that is invalid.
    else if (strict === INCOMPLETE && plain === INVALID) continue;
    else t.is(strict, plain, `mutated body ${body.toString('hex')}`);
  }
  t.true(unreadable > 0, 'the mutations reached the strict rules');
  t.is(strictExtent(Buffer.from([0x92, 0xc1]), 0, 2), INCOMPLETE, 'two values declared, one byte left');
  t.is(msgpackExtent(Buffer.from([0x92, 0xc1]), 0, 2), INVALID, 'the plain scan walks on to the invalid byte');
  t.is(msgpackExtent(Buffer.from([0x81, 0x80, 0x01]), 0), 3, 'a map key that is a map is fine for the plain extent');
  t.is(strictExtent(Buffer.from([0x81, 0x80, 0x01]), 0, 3), UNREADABLE);
  t.is(strictExtent(Buffer.from([0x81, 0x01]), 0, 2), INCOMPLETE);
  t.is(strictExtent(Buffer.from([0x81, 0x01, 0xc1]), 0, 3), INVALID);
});

test('huge declared lengths cost no more than the bytes present', (t) => {
  // A map32 declaring 2^32-1 entries over 64 KiB of fixints: the scan stops at the end of the data.
  const body = Buffer.concat([Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(65_536, 0x01)]);
  t.is(checkEventBody(body, 0, body.length), 'incomplete');
  // Array32 headers each declaring 0xdddddddd items: more than the bytes left, so never complete.
  const deep = Buffer.concat([Buffer.from([0x81, 0x01]), Buffer.alloc(1_000_000, 0xdd)]);
  t.is(checkEventBody(deep, 0, deep.length), 'incomplete');
});
