// What the JavaScript interop scripts share: the person at the browser,
// played by the Rust test that runs the script, and the script's exit.
//
// For each `visit`, the script prints `VISIT <url> UNTIL <prefix>`; the
// test walks the pages from <url> (logging in, approving the consent
// screen) until a redirect leaves for <prefix>, and answers that
// redirect's URL on one line of stdin.

import assert from "node:assert/strict";
import { createInterface } from "node:readline";

const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the person at the browser to go to `url`; where they end up. */
export async function visit(url, until) {
  console.log(`VISIT ${url} UNTIL ${until}`);
  const { value, done } = await answers.next();
  assert.ok(!done, "the browser side closed stdin");
  return new URL(value.trim());
}

/** Runs `main`: `ok` and exit 0 when it resolves, the failure and exit 1. */
export function run(main) {
  main().then(
    () => {
      console.log("ok");
      process.exit(0);
    },
    (failure) => {
      console.log(`FAILED: ${failure?.stack ?? failure}`);
      process.exit(1);
    },
  );
}

/**
 * Asks the person to approve (`approve`) or deny (`deny`) a device
 * (RFC 8628 §3.3): the script prints `DEVICE <decision> <uri> <user_code>`;
 * the test opens <uri>, signs in, types the code, answers the consent
 * screen, and answers one line on stdin once done.
 */
export async function answerDevice(decision, uri, userCode) {
  console.log(`DEVICE ${decision} ${uri} ${userCode}`);
  const { done } = await answers.next();
  assert.ok(!done, "the browser side closed stdin");
}
