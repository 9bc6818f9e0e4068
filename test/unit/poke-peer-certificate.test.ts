/**
 * The certificate times oxpoke reads (OpenSSL's printed form, as Node's
 * valid_to gives it), and the days left computed from them.
 */
import test from 'ava';
import { parseCertificateTime, withDaysLeft } from '../../src/poke/peer-certificate';

test('a one-digit day is padded with a space', (t) => {
  t.is(parseCertificateTime('Dec  9 22:23:31 2026 GMT'), Date.UTC(2026, 11, 9, 22, 23, 31));
});

test('a two-digit day, and each month by name', (t) => {
  t.is(parseCertificateTime('Jan 10 00:00:00 2030 GMT'), Date.UTC(2030, 0, 10, 0, 0, 0));
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  months.forEach((name, i) => t.is(parseCertificateTime(`${name} 28 12:00:00 2025 GMT`), Date.UTC(2025, i, 28, 12, 0, 0)));
});

test('anything else is not a time', (t) => {
  for (const text of ['', 'Foo 10 00:00:00 2030 GMT', 'Jan 10 00:00:00 2030', '2030-01-10T00:00:00Z', 'Jan 10 0:00:00 2030 GMT']) {
    t.true(Number.isNaN(parseCertificateTime(text)), text);
  }
});

test('days left are fractional, and negative once expired', (t) => {
  const now = Date.UTC(2026, 0, 1);
  t.is(withDaysLeft({ validTo: now + 36 * 3_600_000, subject: 'CN=a' }, now).daysLeft, 1.5);
  t.is(withDaysLeft({ validTo: now - 12 * 3_600_000, subject: 'CN=a' }, now).daysLeft, -0.5);
});
