import test from 'ava';
import { printable } from './terminal.ts';

test('escape sequences from the guest are removed, other controls shown, text and newlines kept', (t) => {
  t.is(printable('plain [  1.0] text\n\tindented'), 'plain [  1.0] text\n\tindented');
  t.is(printable('\x1b[31mred\x1b[0m'), 'red', 'SGR');
  t.is(printable('a\x1b]0;pwned title\x07b'), 'ab', 'OSC window title ended by BEL');
  t.is(printable('a\x1b]52;c;ZXZpbA==\x1b\\b'), 'ab', 'OSC 52 clipboard write ended by ST');
  t.is(printable('x\x1b[2J\x1b[Hy'), 'xy', 'clear screen and home');
  t.is(printable('x\x9b31my'), 'xy', 'an 8-bit CSI');
  t.is(printable('over\rwrite\bz\x00'), 'over\ufffdwrite\ufffdz\ufffd');
  t.is(printable('ok\x1bcdone'), 'okdone', 'RIS reset');
  t.is(printable('tail\x1b'), 'tail', 'a lone ESC at the end');
  t.is(printable('ünïcödé ✓'), 'ünïcödé ✓');
});
