// Text from the rig as the dashboard shows it: always through textContent (never innerHTML), with control characters and
// bidirectional overrides made visible (\x1b, \u202e) as the CLI shows them (TerminalText.Escape), so a session name or
// marker label cannot make the page read in a different order than what is stored.
"use strict";
const shownText = (text) => String(text ?? "").replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? "\\x" + n.toString(16).padStart(2, "0") : "\\u" + n.toString(16).padStart(4, "0");
});
