// shared/debounce.ts, on Node's mock clock (no real waiting, so nothing depends on the machine's speed).
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';

import { debounce } from '../shared/debounce';

test('typing calls once, after the pause; cancel drops the pending call', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let calls = 0;
    const later = debounce(() => calls++, 400);
    later.schedule();
    mock.timers.tick(300);
    later.schedule();
    mock.timers.tick(300);
    assert.equal(calls, 0, 'each schedule() restarts the wait');
    mock.timers.tick(100);
    assert.equal(calls, 1);
    later.schedule();
    later.cancel();
    mock.timers.tick(1000);
    assert.equal(calls, 1, 'a cancelled call never happens');
    later.schedule();
    mock.timers.tick(400);
    assert.equal(calls, 2, 'it can be scheduled again after a cancel');
  } finally {
    mock.timers.reset();
  }
});
