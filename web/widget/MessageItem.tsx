/** One line of the chat. Its text is a text node (Preact escapes it): markup shows as characters. */
import type { PendingMessage } from '../shared/conversation-log.js';
import type { Message } from '../shared/protocol.js';

const WHO = { visitor: 'You', agent: 'Agent', system: 'Pingstreams' } as const;

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function MessageItem({ message, seen }: { message: Message; seen: boolean }) {
  const mine = message.sender.type === 'visitor';
  return (
    <li class={mine ? 'msg mine' : 'msg'}>
      <span class="who">{WHO[message.sender.type]}</span>
      <p class="text">{message.text}</p>
      <span class="meta">
        {timeOf(message.createdAt)}
        {seen && ' · Seen'}
      </span>
    </li>
  );
}

export function PendingItem({ pending }: { pending: PendingMessage }) {
  const failed = pending.state === 'failed';
  return (
    <li class={failed ? 'msg mine failed' : 'msg mine pending'} aria-busy={!failed}>
      <span class="who">You</span>
      <p class="text">{pending.text}</p>
      <span class="meta">{failed ? `Not sent: ${pending.error ?? 'refused'}` : 'Sending…'}</span>
    </li>
  );
}
