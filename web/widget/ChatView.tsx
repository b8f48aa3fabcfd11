/** One conversation: its place in the queue, the messages, the agent typing, and the composer (or the rating once closed). */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { ClosedFooter } from './ClosedFooter.js';
import { Composer } from './Composer.js';
import { MessageItem, PendingItem } from './MessageItem.js';
import type { OpenChat } from './open-chat.js';
import type { WidgetStore } from './widget-store.js';

/** Closer than this to the bottom, new messages keep the log scrolled down. */
const STICK_PX = 80;

export function ChatView({ store, chat }: { store: WidgetStore; chat: OpenChat }) {
  const { conversation, log } = chat;
  const position = store.queuePositions.get(conversation.id);
  const waiting = conversation.status === 'unassigned' && position !== undefined;
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const lastMine = [...log.messages].reverse().find((m) => m.sender.type === 'visitor');
  const seenSeq = lastMine && lastMine.seq <= chat.agentReadSeq ? lastMine.seq : null;

  useLayoutEffect(() => {
    if (atBottom.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [log.messages.length, log.pending.length, chat.agentTyping]);

  return (
    <div class="chat">
      {waiting && (
        <p class="queue" role="status">
          You are number {position} in the queue. An agent will be with you soon.
        </p>
      )}
      <div
        ref={box}
        class="log"
        role="log"
        aria-label="Messages"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
        }}
      >
        {log.hasOlder && (
          <button type="button" class="older" onClick={() => void log.loadOlder().catch(() => {})}>
            Show earlier messages
          </button>
        )}
        {log.messages.length === 0 && log.pending.length === 0 && <p class="empty">Send us a message: we usually answer within minutes.</p>}
        <ol class="messages">
          {log.messages.map((m) => (
            <MessageItem key={m.id} message={m} seen={m.seq === seenSeq} />
          ))}
          {log.pending.map((p) => (
            <PendingItem key={p.clientMessageId} pending={p} />
          ))}
        </ol>
      </div>
      <p class="typing" aria-live="polite">
        {chat.agentTyping ? 'Agent is typing…' : ''}
      </p>
      {conversation.status === 'closed' ? <ClosedFooter store={store} conversation={conversation} /> : <Composer store={store} />}
    </div>
  );
}
