/**
 * The group commit's `overlap` (the message writer's on PostgreSQL), on its own: each batch
 * commits when the test says so, so that when a batch's entries are answered, and what is in
 * flight meanwhile, can be seen. The delivery and fault tests run the same writer against the
 * real databases.
 */
import { expect } from 'chai';
import { GroupCommit, type Queued } from '../../src/db/group-commit.js';
import { AppError } from '../../src/errors.js';
import { eventually } from '../support/eventually.js';

interface Batch {
  entries: number[];
  commit(): void;
  fail(err: Error): void;
}

/** A group commit whose batches commit when the test says so; what it did, in order. */
function heldGroupCommit(overlap: boolean) {
  const batches: Batch[] = [];
  const events: string[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const group = new GroupCommit<number, number>(
    async (queued: Queued<number, number>[]) => {
      const entries = queued.map((q) => q.input);
      events.push(`sent ${entries.join(',')}`);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        await new Promise<void>((resolve, reject) => batches.push({ entries, commit: resolve, fail: reject }));
      } finally {
        inFlight--;
      }
      events.push(`committed ${entries.join(',')}`);
      return () => {
        events.push(`settled ${entries.join(',')}`);
        for (const q of queued) q.resolve(q.input * 10);
      };
    },
    { overlap },
  );
  return { group, batches, events, mostInFlight: () => mostInFlight };
}

describe('group commit with overlap', () => {
  it('answers a batch once the next one has left, with one batch in flight at a time, in submission order', async () => {
    const { group, batches, events, mostInFlight } = heldGroupCommit(true);
    const answered: number[] = [];
    const submit = (n: number) => group.submit(n).then((out) => (answered.push(out), out));
    const results = [submit(1), submit(2)];
    await eventually(() => batches.length === 1, 'the first batch');

    results.push(submit(3), submit(4));
    batches[0]!.commit();
    await eventually(() => batches.length === 2, 'the second batch');
    // The first batch's senders hear back only now, after the second batch left.
    await eventually(() => answered.length === 2, 'the first batch answered');
    expect(answered).to.deep.equal([10, 20]);

    results.push(submit(5));
    batches[1]!.commit();
    await eventually(() => batches.length === 3, 'the third batch');
    batches[2]!.commit();
    await group.flush();

    expect(await Promise.all(results)).to.deep.equal([10, 20, 30, 40, 50]);
    expect(answered).to.deep.equal([10, 20, 30, 40, 50]);
    expect(events).to.deep.equal([
      'sent 1,2',
      'committed 1,2',
      'sent 3,4',
      'settled 1,2',
      'committed 3,4',
      'sent 5',
      'settled 3,4',
      'committed 5',
      'settled 5',
    ]);
    expect(mostInFlight(), 'batches in flight at once').to.equal(1);
  });

  it('answers the last batch at once when nothing follows it', async () => {
    const { group, batches, events } = heldGroupCommit(true);
    const result = group.submit(7);
    await eventually(() => batches.length === 1, 'the batch');
    batches[0]!.commit();
    expect(await result).to.equal(70);
    expect(events).to.deep.equal(['sent 7', 'committed 7', 'settled 7']);
  });

  it('without overlap answers a batch before the next one leaves', async () => {
    const { group, batches, events } = heldGroupCommit(false);
    const results = [group.submit(1)];
    await eventually(() => batches.length === 1, 'the first batch');
    results.push(group.submit(2));
    batches[0]!.commit();
    await eventually(() => batches.length === 2, 'the second batch');
    batches[1]!.commit();
    expect(await Promise.all(results)).to.deep.equal([10, 20]);
    expect(events).to.deep.equal(['sent 1', 'committed 1', 'settled 1', 'sent 2', 'committed 2', 'settled 2']);
  });

  it('a failed batch is retried entry by entry and answered before the next leaves; the batch before it is answered as usual', async () => {
    const { group, batches, events } = heldGroupCommit(true);
    const first = group.submit(1);
    await eventually(() => batches.length === 1, 'the first batch');
    const failing = [group.submit(2), group.submit(3)];
    batches[0]!.commit();
    await eventually(() => batches.length === 2, 'the second batch');
    const later = group.submit(4);
    batches[1]!.fail(new AppError('VALIDATION_FAILED', 'one bad row'));
    // Retried alone: 2 then 3, each committed and answered at once.
    await eventually(() => batches.length === 3, 'the retry of 2');
    batches[2]!.commit();
    await eventually(() => batches.length === 4, 'the retry of 3');
    batches[3]!.commit();
    await eventually(() => batches.length === 5, 'the batch after');
    batches[4]!.commit();
    expect(await first).to.equal(10);
    expect(await Promise.all(failing)).to.deep.equal([20, 30]);
    expect(await later).to.equal(40);
    expect(events).to.deep.equal([
      'sent 1',
      'committed 1',
      'sent 2,3',
      'settled 1',
      'sent 2',
      'committed 2',
      'settled 2',
      'sent 3',
      'committed 3',
      'settled 3',
      'sent 4',
      'committed 4',
      'settled 4',
    ]);
  });

  it('flush waits for the last batch to be answered', async () => {
    const { group, batches } = heldGroupCommit(true);
    let answered = false;
    void group.submit(1).then(() => (answered = true));
    await eventually(() => batches.length === 1, 'the batch');
    const flushing = group.flush();
    batches[0]!.commit();
    await flushing;
    expect(answered).to.equal(true);
  });
});
