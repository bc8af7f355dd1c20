// Render slots: tile statements take at most so many connections, and waiting tiles go deepest zoom first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RenderSlots } from './service.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => { open = r; });
  return { open, opened };
}

test('no more renders run at once than there are slots, and every one runs', async () => {
  const slots = new RenderSlots(2);
  let running = 0;
  let most = 0;
  const done = await Promise.all(Array.from({ length: 9 }, (_, i) => slots.run(i % 5, async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 2));
    running--;
    return i;
  })));
  assert.equal(most, 2);
  assert.deepEqual(done, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(slots.queued, 0);
});

test('when renders wait, the deepest zoom goes first and equal zooms keep their order', async () => {
  const slots = new RenderSlots(1);
  const first = gate();
  const order: string[] = [];
  const busy = slots.run(3, async () => { await first.opened; order.push('z3 first'); });
  const waiting = [
    slots.run(5, async () => { order.push('z5'); }),
    slots.run(16, async () => { order.push('z16 a'); }),
    slots.run(0, async () => { order.push('z0'); }),
    slots.run(16, async () => { order.push('z16 b'); }),
    slots.run(14, async () => { order.push('z14'); }),
  ];
  assert.equal(slots.queued, 5);
  first.open();
  await Promise.all([busy, ...waiting]);
  assert.deepEqual(order, ['z3 first', 'z16 a', 'z16 b', 'z14', 'z5', 'z0']);
});

test('a render that fails frees its slot for the next', async () => {
  const slots = new RenderSlots(1);
  const failed = slots.run(10, async () => { throw new Error('no database'); });
  const next = slots.run(10, async () => 'drawn');
  await assert.rejects(failed, /no database/);
  assert.equal(await next, 'drawn');
});

test('past its queue a render is refused at once with 503 and Retry-After, and the queued ones still run', async () => {
  const slots = new RenderSlots(1, 2);
  const first = gate();
  const busy = slots.run(10, () => first.opened);
  const queued = [slots.run(10, async () => 'a'), slots.run(10, async () => 'b')];
  await assert.rejects(slots.run(10, async () => 'c'), (err: { status?: number; headers?: Record<string, string> }) => {
    assert.equal(err.status, 503);
    assert.equal(err.headers?.['Retry-After'], '1');
    return true;
  });
  first.open();
  await busy;
  assert.deepEqual(await Promise.all(queued), ['a', 'b']);
  assert.equal(await slots.run(10, async () => 'after'), 'after');
});
