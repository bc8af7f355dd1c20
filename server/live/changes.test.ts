// The change feed's relay (migration 0016): every committed change reaches every feed once, a change committed late still arrives, and an idle relay sends nothing until the doorbell.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDb } from '../testing/db.js';
import type { Db } from '../db/db.js';
import { createChangeFeed, type Change } from './changes.js';

let db: Db;

before(async () => { db = await testDb(); });
after(async () => { await db.close(); });

/** Street ids (as change ids) a feed has heard of, with how many times each. */
function heard(feed: Awaited<ReturnType<typeof createChangeFeed>>) {
  const counts = new Map<string, number>();
  feed.subscribe((c: Change) => { if (c.table === 'streets') counts.set(c.id, (counts.get(c.id) ?? 0) + 1); });
  return counts;
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const addStreet = async (q: Pick<Db, 'sql'>, name: string) =>
  String((await q.sql<{ id: number }>('INSERT INTO streets (name) VALUES ($name) RETURNING id', { name }))[0]!.id);

test('two feeds on one database each hear every change once, a burst larger than one round included', async () => {
  // Rounds of 5: the burst of 12 takes three.
  const feeds = [await createChangeFeed(db, { relayBatch: 5 }), await createChangeFeed(db, { relayBatch: 5 })];
  const counts = feeds.map(heard);
  try {
    const one = await addStreet(db, 'Перша тестова вулиця');
    const many = await db.sql<{ id: number }>(
      "INSERT INTO streets (name) SELECT 'Вулиця потоку ' || g FROM generate_series(1, $n::integer) g RETURNING id", { n: 11 });
    const ids = [one, ...many.map((r) => String(r.id))];
    await until(() => counts.every((c) => ids.every((id) => c.has(id))), 'both feeds heard every street', 30_000);
    // Time for a second delivery, were there one.
    await new Promise((r) => setTimeout(r, 300));
    for (const c of counts) assert.deepEqual([...new Set(ids.map((id) => c.get(id)))], [1]);
  } finally {
    for (const f of feeds) await f.close();
  }
});

test('a change whose transaction commits after a later one was relayed still arrives', { skip: process.env.MISTO_TEST_BACKEND === 'pglite' && 'the embedded database runs one transaction at a time' }, async () => {
  const feed = await createChangeFeed(db);
  const counts = heard(feed);
  try {
    let early = '';
    // The first insert takes the lower id and stays uncommitted until the second is relayed.
    const late = await db.transaction(async (tx) => {
      const id = await addStreet(tx, 'Вулиця пізнього коміту');
      early = await addStreet(db, 'Вулиця раннього коміту');
      await until(() => counts.has(early), 'the early change to arrive');
      assert.equal(counts.has(id), false, 'an uncommitted change was announced');
      return id;
    });
    assert.ok(Number(late) < Number(early));
    await until(() => counts.has(late), 'the late change to arrive');
  } finally {
    await feed.close();
  }
});

test('an idle relay sends no statement, and the next commit rings it awake', async () => {
  let rounds = 0;
  const counting: Db = { ...db, query: (name, params) => { if (name === 'live/relay-changes') rounds += 1; return db.query(name, params); } };
  const feed = await createChangeFeed(counting);
  const counts = heard(feed);
  try {
    await addStreet(db, 'Вулиця перед тишею');
    // Awake for a moment after its last change, then asleep: no round for a while.
    let last = -1;
    let quietSince = Date.now();
    await until(() => {
      if (rounds !== last) { last = rounds; quietSince = Date.now(); }
      return Date.now() - quietSince > 1_500;
    }, 'the relay to fall asleep', 15_000);
    const asleep = rounds;
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(rounds, asleep, 'an idle relay kept querying');
    const id = await addStreet(db, 'Вулиця після тиші');
    await until(() => counts.has(id), 'the change after the quiet to arrive', 5_000);
    assert.ok(rounds > asleep);
  } finally {
    await feed.close();
  }
});
