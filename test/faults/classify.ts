/** Jepsen-style bookkeeping of the failover test: every planned send, against what one view (the database, an agent) holds. */
import type { Send } from './failover-clients.js';

export interface Seen {
  id: string;
  seq: number;
  clientMessageId: string;
  text: string;
}

export interface Tally {
  ok: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** One line per send that is not ok, to read when the test fails. */
  problems: string[];
}

export const emptyTally = (): Tally => ({ ok: 0, lost: 0, duplicated: 0, reordered: 0, problems: [] });

export function addTally(into: Tally, more: Tally): Tally {
  return {
    ok: into.ok + more.ok,
    lost: into.lost + more.lost,
    duplicated: into.duplicated + more.duplicated,
    reordered: into.reordered + more.reordered,
    problems: [...into.problems, ...more.problems],
  };
}

/**
 * One visitor's sends (in the order it sent them) against a view: a send is lost when the view
 * has no message with its clientMessageId or text, duplicated when it has more than one, and
 * reordered when its seq is below the seq of a send it came after.
 */
export function classify(sends: Send[], view: Seen[]): Tally {
  const tally = emptyTally();
  let highest = 0;
  for (const send of sends) {
    const found = [...new Map(view.filter((m) => m.clientMessageId === send.clientMessageId || m.text === send.text).map((m) => [m.id, m])).values()];
    if (found.length === 0) {
      tally.lost += 1;
      tally.problems.push(`lost: ${send.text} (${send.acks.length > 0 ? 'acked' : 'never acked'})`);
      continue;
    }
    const seq = Math.max(...found.map((m) => m.seq));
    if (found.length > 1) {
      tally.duplicated += 1;
      tally.problems.push(`duplicated: ${send.text} at seqs ${found.map((m) => m.seq).join(', ')}`);
    } else if (seq < highest) {
      tally.reordered += 1;
      tally.problems.push(`reordered: ${send.text} at seq ${seq}, after seq ${highest}`);
    } else {
      tally.ok += 1;
    }
    highest = Math.max(highest, seq);
  }
  return tally;
}

/** Events whose seq is below one that arrived before them in the same conversation (allowed across processes). */
export function arrivalInversions(events: { conversationId: string; seq: number }[]): number {
  const highest = new Map<string, number>();
  let inversions = 0;
  for (const { conversationId, seq } of events) {
    if (seq < (highest.get(conversationId) ?? 0)) inversions += 1;
    highest.set(conversationId, Math.max(seq, highest.get(conversationId) ?? 0));
  }
  return inversions;
}

export const formatTally = (view: string, t: Tally) => `failover ${view}: ok ${t.ok}, lost ${t.lost}, duplicated ${t.duplicated}, out of order ${t.reordered}`;
