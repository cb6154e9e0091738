// Text the guest wrote (console lines, kernel reports, a boot's last words, names read from sysfs) reaches
// the user's terminal inside the harness's own lines. The guest runs the kernel under test, so that text is
// untrusted: an escape sequence in it could retitle the window, rewrite earlier lines or, on some terminals,
// answer back into stdin. Only `daxh exec` and `daxh shell` pass the guest's bytes through, as ssh does.

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), and any other two-byte escape.
const SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_]|.?)|\x9b[0-?]*[ -/]*[@-~]/gs;
// C0 controls but tab and newline, DEL, and C1 controls.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** `text` with escape sequences removed and other control characters shown as U+FFFD. */
export function printable(text: string): string {
  return text.replace(SEQUENCE, '').replace(CONTROL, '\ufffd');
}
