/**
 * The group commit with two batches in flight (the message writer's on PostgreSQL), on its own:
 * a batch commits when the test says so, so that what may leave while another commits is seen.
 * The delivery tests run the same writer against the real databases.
 */
import { expect } from 'chai';
import { GroupCommit, type Queued } from '../../src/db/group-commit.js';
import { sleep } from '../support/clients.js';
import { eventually } from '../support/eventually.js';

interface Entry {
  key: string;
  n: number;
}

interface Batch {
  entries: Entry[];
  commit(): void;
}

/** A group commit whose batches stay in flight until the test commits them; every batch it started, in order. */
function heldGroupCommit(inFlight: number) {
  const batches: Batch[] = [];
  const open = new Set<Batch>();
  const committed: Entry[] = [];
  const sharedKeys: string[] = [];
  const group = new GroupCommit<Entry, number>(
    async (queued: Queued<Entry, number>[]) => {
      let commit!: () => void;
      const done = new Promise<void>((resolve) => (commit = resolve));
      const batch = { entries: queued.map((q) => q.input), commit };
      for (const other of open) for (const entry of batch.entries) if (other.entries.some((e) => e.key === entry.key)) sharedKeys.push(entry.key);
      batches.push(batch);
      open.add(batch);
      await done;
      open.delete(batch);
      for (const q of queued) {
        committed.push(q.input);
        q.resolve(q.input.n);
      }
    },
    { inFlight, keyOf: (entry) => entry.key },
  );
  return { group, batches, committed, sharedKeys };
}

const numbers = (batch: Batch | undefined) => batch?.entries.map((e) => e.n);

describe('group commit with batches in flight at once', () => {
  it('sends a second batch while the first commits, without the keys in flight, and keeps each key in submission order', async () => {
    const { group, batches, committed, sharedKeys } = heldGroupCommit(2);
    const results: Promise<number>[] = [];
    results.push(group.submit({ key: 'a', n: 1 }), group.submit({ key: 'b', n: 2 }));
    await eventually(() => batches.length === 1, 'the first batch');
    expect(numbers(batches[0])).to.deep.equal([1, 2]);

    // While a and b commit: a's next two wait for them; c leaves at once, alone.
    results.push(group.submit({ key: 'a', n: 3 }), group.submit({ key: 'c', n: 4 }), group.submit({ key: 'a', n: 5 }));
    await eventually(() => batches.length === 2, 'the second batch');
    expect(numbers(batches[1])).to.deep.equal([4]);

    // Two in flight is the bound: d waits though its key is free.
    results.push(group.submit({ key: 'd', n: 6 }));
    await sleep(30);
    expect(batches).to.have.length(2);

    // The second batch settles first: d leaves; a's entries still wait for the first.
    batches[1]!.commit();
    await eventually(() => batches.length === 3, 'the third batch');
    expect(numbers(batches[2])).to.deep.equal([6]);
    await sleep(30);
    expect(batches).to.have.length(3);

    batches[0]!.commit();
    await eventually(() => batches.length === 4, 'the fourth batch');
    expect(numbers(batches[3])).to.deep.equal([3, 5]);
    batches[2]!.commit();
    batches[3]!.commit();
    await group.flush();

    expect(await Promise.all(results)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(committed.filter((e) => e.key === 'a').map((e) => e.n)).to.deep.equal([1, 3, 5]);
    expect(sharedKeys, 'keys in two batches in flight at once').to.deep.equal([]);
  });

  it('with one batch in flight, the next holds everything queued meanwhile, whatever its keys', async () => {
    const { group, batches } = heldGroupCommit(1);
    const results = [group.submit({ key: 'a', n: 1 })];
    await eventually(() => batches.length === 1, 'the first batch');
    results.push(group.submit({ key: 'b', n: 2 }), group.submit({ key: 'a', n: 3 }));
    await sleep(30);
    expect(batches).to.have.length(1);
    batches[0]!.commit();
    await eventually(() => batches.length === 2, 'the second batch');
    expect(numbers(batches[1])).to.deep.equal([2, 3]);
    batches[1]!.commit();
    expect(await Promise.all(results)).to.deep.equal([1, 2, 3]);
  });

  it('flush waits for every batch in flight and for what waits behind them', async () => {
    const { group, batches, committed } = heldGroupCommit(2);
    void group.submit({ key: 'a', n: 1 });
    await eventually(() => batches.length === 1, 'the first batch');
    void group.submit({ key: 'a', n: 2 });
    let flushed = false;
    const flushing = group.flush().then(() => (flushed = true));
    await sleep(30);
    expect(flushed).to.equal(false);
    batches[0]!.commit();
    await eventually(() => batches.length === 2, 'the second batch');
    expect(flushed).to.equal(false);
    batches[1]!.commit();
    await flushing;
    expect(committed.map((e) => e.n)).to.deep.equal([1, 2]);
  });
});
