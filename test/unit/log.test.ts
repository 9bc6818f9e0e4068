import test from 'ava';
import { Logger } from '../../src/daemon/log';

test('for the journal: a syslog priority prefix, one line per message', (t) => {
  const lines: string[] = [];
  const log = new Logger(2, true, { write: (l) => lines.push(l) });
  log.error('disk full');
  log.warning('two\nlines');
  log.debug('details');
  t.deepEqual(lines, ['<3>disk full\n', '<4>two | lines\n', '<7>details\n']);
});

test('on a terminal: UTC timestamp and level name; verbosity decides what is shown', (t) => {
  const lines: string[] = [];
  const log = new Logger(0, false, { write: (l) => lines.push(l) });
  log.info('hidden at verbosity 0');
  log.notice('shown');
  t.is(lines.length, 1);
  t.regex(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z notice: shown\n$/);
  log.setVerbosity(1);
  log.info('now shown');
  log.debug('still hidden');
  t.is(lines.length, 2);
});
