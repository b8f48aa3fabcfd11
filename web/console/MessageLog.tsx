/** The log "Messages": history by seq, earlier pages on demand, pending sends, private notes set apart, read receipts. */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ConversationLog, PendingMessage } from '../shared/conversation-log.js';
import { describeError } from './api.js';
import { visibleName } from './chat-state.js';
import { useConsole } from './context.js';
import { shortTime } from './format.js';
import { useStore } from './store.js';
import type { Conversation, Message } from './types.js';

export function MessageLog({ conversation, log, loaded }: { conversation: Conversation; log: ConversationLog; loaded: boolean }) {
  const { chat, me } = useConsole();
  const state = useStore(chat.state);
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const lead = state.leads[conversation.leadId];
  const nameOf = (m: Message) => {
    if (m.sender.type === 'visitor') return visibleName(lead) ?? 'Visitor';
    if (m.sender.type === 'system') return 'System';
    if (m.sender.id === me.id) return 'You';
    return state.members.find((a) => a.id === m.sender.id)?.fullname ?? 'Agent';
  };
  // The newest of my public messages that the visitor has read carries the receipt.
  const seenSeq = Math.max(0, ...log.messages.filter((m) => m.sender.id === me.id && !m.private && m.seq <= conversation.visitorLastReadSeq).map((m) => m.seq));

  // Stay at the bottom as messages arrive, unless the agent scrolled up; keep the place when older ones are prepended.
  const last = useRef({ first: 0, height: 0, atBottom: true });
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const first = log.messages[0]?.seq ?? 0;
    if (first < last.current.first && !last.current.atBottom) el.scrollTop += el.scrollHeight - last.current.height;
    else if (last.current.atBottom) el.scrollTop = el.scrollHeight;
    last.current = { ...last.current, first, height: el.scrollHeight };
  });
  const older = () => log.loadOlder().catch((err) => setError(describeError(err)));
  const onScroll = () => {
    const el = box.current!;
    last.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    last.current.height = el.scrollHeight;
    if (el.scrollTop === 0 && log.hasOlder) void older();
  };

  return (
    <div class="log-wrap">
      {log.hasOlder && (
        <button type="button" class="link older" onClick={older}>Load earlier messages</button>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="log" role="log" aria-label="Messages" ref={box} onScroll={onScroll} tabIndex={0}>
        <ol class="plain">
          {!loaded && log.messages.length === 0 && <li class="muted">Loading…</li>}
          {log.messages.map((m) => (
            <li key={m.seq} class={`msg ${m.sender.type} ${m.sender.id === me.id ? 'mine' : ''} ${m.private ? 'private' : ''}`}>
              <div class="msg-head">
                <span class="sender">{m.private ? `Private note · ${nameOf(m)}` : nameOf(m)}</span>
                <time dateTime={m.createdAt}>{shortTime(m.createdAt)}</time>
              </div>
              <p class="text">{m.text}</p>
              {m.seq === seenSeq && <span class="receipt">Seen</span>}
            </li>
          ))}
          {log.pending.map((p) => (
            <PendingItem key={p.clientMessageId} pending={p} isPrivate={chat.privateIds.has(p.clientMessageId)} />
          ))}
        </ol>
      </div>
    </div>
  );
}

function PendingItem({ pending, isPrivate }: { pending: PendingMessage; isPrivate: boolean }) {
  return (
    <li class={`msg agent mine pending ${isPrivate ? 'private' : ''}`}>
      <div class="msg-head">
        <span class="sender">{isPrivate ? 'Private note · You' : 'You'}</span>
      </div>
      <p class="text">{pending.text}</p>
      <span class={`receipt ${pending.state === 'failed' ? 'error' : ''}`}>{pending.state === 'failed' ? `Not sent: ${pending.error ?? 'refused'}` : 'Sending…'}</span>
    </li>
  );
}
