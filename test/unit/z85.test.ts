import test from 'ava';
import * as zmq from 'zeromq';
import { isZ85Key, z85Decode, z85Encode } from '../../src/protocol/z85';

test('the test vector of RFC 32: 86 4F D2 6F B5 59 F7 5B is HelloWorld', (t) => {
  const bytes = Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  t.is(z85Encode(bytes), 'HelloWorld');
  t.deepEqual(z85Decode('HelloWorld'), bytes);
});

test('the extremes of a group: all zero and all one bits', (t) => {
  t.is(z85Encode(Buffer.alloc(4)), '00000');
  t.is(z85Encode(Buffer.alloc(4, 0xff)), '%nSc0');
  t.deepEqual(z85Decode('%nSc0'), Buffer.alloc(4, 0xff));
});

test("libzmq's own keys decode to 32 bytes and encode back to the same text", (t) => {
  for (let i = 0; i < 20; i++) {
    const { publicKey, secretKey } = zmq.curveKeyPair();
    for (const key of [publicKey, secretKey]) {
      const bytes = z85Decode(key);
      t.is(bytes?.length, 32);
      t.is(z85Encode(bytes!), key);
      t.true(isZ85Key(key));
    }
  }
});

test('text that is not Z85 is refused', (t) => {
  t.is(z85Decode('Hello'.slice(0, 4)), null, 'not a multiple of 5');
  t.is(z85Decode('Hell"'), null, 'a character outside the alphabet');
  t.is(z85Decode('Hellé'), null, 'a character outside ASCII');
  t.is(z85Decode('#####'), null, 'a group past 2^32');
  t.false(isZ85Key('HelloWorld'));
  t.throws(() => z85Encode(Buffer.alloc(3)), { instanceOf: RangeError });
});
