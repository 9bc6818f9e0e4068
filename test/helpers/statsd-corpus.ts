/**
 * Datagrams in the statsd protocol fed to etsy statsd and to oxd's statsd
 * source alike; within one interval both must flush the same Graphite lines.
 * Every metric is named `corpus.*` so what a flush holds can be traced back
 * to its entry. `STATSD_CORPUS` is where the two must agree; `OXD_DIFFERS`
 * holds inputs oxd deliberately treats otherwise (each says how), which a
 * test keeps out of the comparison and asserts oxd's own behaviour on;
 * `QUIRKS` holds further statsd quirks and the side oxd takes on each.
 *
 * Values that statsd computes from these (flushIntervalMs 2000, the default
 * percentThreshold 90) are worked out in test/integration/statsd-reference.test.ts.
 */

export interface CorpusEntry {
  /** One UDP datagram, exactly as sent. */
  datagram: string | Buffer;
  /** What it exercises. */
  note: string;
}

export interface DifferingEntry extends CorpusEntry {
  /** What statsd does with it. */
  statsd: string;
  /** What oxd does instead, and so what a test asserts of oxd. */
  oxd: string;
}

/** `corpus.timer.many` gets 1..20 in this scrambled order (sorting matters), over several datagrams. */
export const MANY_TIMER_VALUES = [5, 1, 9, 3, 7, 2, 8, 4, 10, 6, 20, 15, 11, 13, 12, 14, 17, 16, 19, 18];

const e = (datagram: string | Buffer, note: string): CorpusEntry => ({ datagram, note });

export const STATSD_CORPUS: readonly CorpusEntry[] = [
  // counters
  e('corpus.counter.plain:1|c', 'counter'),
  e('corpus.counter.plain:2|c', 'counter, same key again: adds'),
  e('corpus.counter.plain:-1|c', 'negative counter increment: subtracts'),
  e('corpus.counter.sampled:1|c|@0.1', 'sampled counter: counts 1/0.1 = 10'),
  e('corpus.counter.sampled:3|c|@0.5', 'sampled counter: counts 3/0.5 = 6'),
  e('corpus.counter.dotrate:1|c|@.5', 'sample rate without a leading 0'),
  e('corpus.counter.overrate:1|c|@2', 'sample rate above 1: counts 0.5'),
  e('corpus.counter.float:0.5|c', 'fractional counter; its rate is 0.25 a second'),
  e('corpus.counter.plus:+3|c', 'counter value with a plus sign'),
  e('corpus.counter.exp:1e3|c', 'counter value in exponent notation (finite)'),
  e('corpus.counter.zero:0|c', 'counter of 0: the key exists, flushed as 0'),
  // gauges
  e('corpus.gauge.abs:10|g', 'gauge set'),
  e('corpus.gauge.abs:+5|g', 'gauge delta up on an existing gauge: 15'),
  e('corpus.gauge.abs:-3|g', 'gauge delta down on an existing gauge: 12'),
  e('corpus.gauge.newup:+4|g', 'delta on a gauge not seen before: set to 4'),
  e('corpus.gauge.newdown:-4|g', 'negative delta on a gauge not seen before: set to -4'),
  e('corpus.gauge.float:3.25|g', 'fractional gauge'),
  e('corpus.gauge.reset:7|g', 'gauge set, then'),
  e('corpus.gauge.reset:0|g', 'gauge set to 0 (absolute, not a delta)'),
  e('corpus.gauge.reset:+2|g', 'delta on a gauge that is 0: 2'),
  e('corpus.gauge.sampled:7|g|@0.5', 'a sample rate on a gauge is ignored'),
  // timers
  e('corpus.timer.single:100|ms', 'one timer value'),
  e('corpus.timer.zero:0|ms', 'timer value 0 is valid'),
  e('corpus.timer.float:0.5|ms', 'fractional timer value'),
  e('corpus.timer.sampled:50|ms|@0.1', 'sampled timer: one value, counted 10 times'),
  e(`corpus.timer.many:${MANY_TIMER_VALUES.slice(0, 4).map((v) => `${v}|ms`).join(':')}`, 'multi-value form, four timer values for one key'),
  e(MANY_TIMER_VALUES.slice(4, 10).map((v) => `corpus.timer.many:${v}|ms`).join('\n'), 'multi-line datagram, six timer values'),
  ...MANY_TIMER_VALUES.slice(10).map((v) => e(`corpus.timer.many:${v}|ms`, 'one more timer value, one a datagram (20 in all: percentiles matter)')),
  // sets
  e('corpus.set.users:alice|s', 'set member'),
  e('corpus.set.users:bob|s', 'another member'),
  e('corpus.set.users:alice|s', 'a member again: not counted twice'),
  e('corpus.set.users:carol|s', 'third member: the set counts 3'),
  e('corpus.set.ids:1|s\ncorpus.set.ids:1|s\ncorpus.set.ids:2|s', 'numeric members, repeated, in one datagram: 2'),
  e('corpus.set.spaced:dave smith|s', 'members are not sanitised'),
  e('corpus.set.sampled:x|s|@0.1', 'a sample rate on a set is ignored'),
  // statsd's multi-value form: one key, several `value|type[|@rate]` after it
  e('corpus.multi.counter:1|c:2|c:5|c', 'multi-value counter: 8'),
  e('corpus.multi.mixed:4|c:7|ms:9|g', 'one key, three types: a counter, a timer and a gauge of that name'),
  e('corpus.multi.sampled:1|c|@0.5:1|c', 'multi-value with a sample rate on one value: 3'),
  // several lines in one datagram
  e('corpus.lines.a:1|c\ncorpus.lines.b:2|g\ncorpus.lines.c:3|ms', 'three lines, three types'),
  e('corpus.lines.trailing:1|c\n', 'a trailing newline is not a bad line'),
  e('corpus.lines.blank:1|c\n\n\ncorpus.lines.blank:1|c', 'empty lines inside a datagram are skipped, not bad'),
  e('corpus.lines.crlf:1|c\r\ncorpus.lines.crlf:2|c\r\n', 'CRLF line ends: the type is trimmed, counter 3'),
  e('', 'empty datagram: counted as a packet, no metric, no bad line'),
  // DogStatsD tags: `|#k:v,tag` becomes `;k=v;tag` after the key
  e('corpus.tagged:1|c|#env:prod,canary', 'tags on a counter'),
  e('corpus.tagged:1|c|#env:prod,canary', 'the same tags again: the same series, 2'),
  e('corpus.tagged:5|c|#env:dev', 'other tags: another series'),
  e('corpus.tagged.timer:5|ms|#env:prod', 'tags on a timer: they follow the timer metric name'),
  e('corpus.tagged.gauge:3|g|#role:db', 'tags on a gauge'),
  e('corpus.tagged.set:a|s|#role:db', 'tags on a set'),
  e('corpus.tagged.sampled:1|c|@0.5|#env:prod', 'a sample rate before the tags: 2'),
  e('corpus.tagged.odd:1|c|#path:/a/b,k:v:w', 'tag text is sanitised like the key (/ to -, a second : dropped)'),
  e('corpus.tagged.empty:1|c|#', 'an empty tag list: no tags'),
  // key sanitising: whitespace runs to _, / to -, anything but [A-Za-z0-9_.;=-] dropped
  e('corpus.key with spaces:1|c', 'spaces to _'),
  e('corpus.key  many   spaces:1|c', 'a run of spaces to one _'),
  e('corpus.key\twith\ttabs:1|c', 'tabs to _'),
  e('corpus/key/slashes:1|c', 'slashes to -'),
  e('corpus.key*odd!chars$%(x):1|c', 'odd characters dropped'),
  e('corpus.key|pipe:1|c', 'a pipe in the key is dropped'),
  e('corpus.kéy:1|c', 'non-ASCII dropped'),
  e(Buffer.concat([Buffer.from('corpus.bin'), Buffer.from([0xff, 0xfe]), Buffer.from('key:1|c')]), 'bytes that are not UTF-8 dropped from the key'),
  e('corpus.key;x=y:1|c', '; and = are kept (Graphite tag syntax)'),
  e('corpus.collide a:1|c', 'sanitises to corpus.collide_a, so it adds to'),
  e('corpus.collide_a:2|c', 'the same counter: 3'),
  // bad lines: each adds 1 to statsd.bad_lines_seen (16 in all) and is otherwise ignored
  e('corpus.bad.notype:1', 'no type'),
  e('corpus.bad.bare', 'no value and no type'),
  e('corpus.bad.value:abc|c', 'counter value not a number'),
  e('corpus.bad.nan:NaN|c', 'NaN is not a number'),
  e('corpus.bad.gauge:abc|g', 'gauge value not a number'),
  e('corpus.bad.timer:abc|ms', 'timer value not a number'),
  e('corpus.bad.negtimer:-5|ms', 'negative timer value'),
  e('corpus.bad.empty:|c', 'empty counter value'),
  e('corpus.bad.emptygauge:|g', 'empty gauge value'),
  e('corpus.bad.rate:1|c|@x', 'sample rate not a number'),
  e('corpus.bad.negrate:1|c|@-1', 'negative sample rate'),
  e('corpus.bad.noat:1|c|0.5', 'sample rate without @'),
  e('corpus.bad.atonly:1|c|@', 'sample rate @ alone'),
  e('corpus.bad.rateword:1|c|@0.5abc', 'sample rate with trailing text'),
  e('corpus.bad.inline:1|c\ncorpus.bad.inline:zz|c\ncorpus.bad.inline:2|c', 'a bad line between two good ones: the good ones count, 3'),
  e('corpus.bad.multi:1|c:x|c:2|c', 'a bad value inside the multi-value form: the others count, 3'),
];

export const OXD_DIFFERS: readonly DifferingEntry[] = [
  { datagram: 'corpus.differs.x:1|x', note: 'unknown type x', statsd: 'counter +1 (any unknown type is a counter)', oxd: 'bad line' },
  { datagram: 'corpus.differs.h:5|h', note: 'DogStatsD histogram type h', statsd: 'counter +5', oxd: 'timer value 5' },
  { datagram: 'corpus.differs.d:5|d', note: 'DogStatsD distribution type d', statsd: 'counter +5', oxd: 'timer value 5' },
  { datagram: 'corpus.differs.packed:1:2:3|ms', note: 'DogStatsD value packing', statsd: '1 and 2 are bad lines (no type); timer value 3', oxd: 'timer values 1, 2 and 3' },
  { datagram: 'corpus.differs.big:1e309|c', note: 'a value that overflows to Infinity', statsd: 'counter Infinity', oxd: 'bad line' },
  { datagram: 'corpus.differs.inf:Infinity|g', note: 'the word Infinity', statsd: 'gauge Infinity', oxd: 'bad line' },
  { datagram: 'corpus.differs.hex:0x10|c', note: 'a hexadecimal value', statsd: 'counter +16', oxd: 'bad line' },
  { datagram: 'corpus.differs.rate0:1|c|@0', note: 'sample rate 0', statsd: 'counter Infinity (1 / 0)', oxd: 'bad line' },
];

/** statsd quirks on which oxd has taken a side (oxd: what it does, asserted by the conformance test). */
export const QUIRKS: readonly DifferingEntry[] = [
  { datagram: ':1|c', note: 'empty key', statsd: 'counter named "", written as `stats.` and `stats_counts.`', oxd: 'bad line (name)' },
  { datagram: 'corpus.quirk.space: 1|c', note: 'space before the value', statsd: 'counter +1 (Number() skips blanks)', oxd: 'bad line (value)' },
  { datagram: 'corpus.quirk.blank: |c', note: 'a value that is one space', statsd: 'counter +0 (Number(" ") is 0)', oxd: 'bad line (value)' },
  { datagram: 'corpus.quirk.exprate:1|c|@1e-1', note: 'sample rate in exponent notation', statsd: 'valid, but read as rate 1 (only the leading digits are taken)', oxd: 'rate 0.1: counts 10' },
  { datagram: 'corpus.quirk.emptyset:|s', note: 'empty set member', statsd: 'member "0": the set counts 1', oxd: 'the same as statsd' },
  { datagram: 'corpus.quirk.spacedtype:-5| ms', note: 'a type with a leading space', statsd: 'not checked as a timer (only exact "ms" is) but stored as one: timer value -5', oxd: 'bad line (value): a timer is never negative' },
  { datagram: 'corpus.quirk.binary:0b11|c', note: 'a binary literal', statsd: 'counter +3', oxd: 'bad line (value)' },
];

/** The datagrams of a list, in order. */
export function datagrams(entries: readonly CorpusEntry[]): (string | Buffer)[] {
  return entries.map((x) => x.datagram);
}
