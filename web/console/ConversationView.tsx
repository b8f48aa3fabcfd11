/** One conversation: who it is with, its actions, its history (log "Messages") and the reply box. */
import { useEffect, useState } from 'preact/hooks';
import { markRead } from './actions.js';
import { describeError } from './api.js';
import { visibleName } from './chat-state.js';
import { useObservable } from '../shared/observable.js';
import { Composer } from './Composer.js';
import { useConsole } from './context.js';
import { ConversationActions } from './ConversationActions.js';
import { MessageLog } from './MessageLog.js';
import { href } from './route.js';
import { useStore } from './store.js';

const RETRY_OPEN_MS = 3_000;
const STATUS_TEXT = { unassigned: 'Waiting in the queue', assigned: 'Assigned', closed: 'Closed' } as const;

export function ConversationView({ conversationId, backHref }: { conversationId: string; backHref: string }) {
  const { chat, me } = useConsole();
  const state = useStore(chat.state);
  const conversation = state.conversations[conversationId];
  const log = chat.log(conversationId);
  useObservable(log);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // Open the history once connected (after a reconnect the store catches up by itself); a
  // failure (a busy server) is said, and tried again a little later.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (state.connection !== 'connected') return;
    let retry: ReturnType<typeof setTimeout> | undefined;
    chat.openLog(conversationId).then(
      () => (setLoaded(true), setError(null)),
      (err) => {
        setError(describeError(err));
        retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_OPEN_MS);
      },
    );
    return () => clearTimeout(retry);
  }, [conversationId, state.connection === 'connected', attempt]);

  // Not in the lists (an old closed one, say): fetch it.
  useEffect(() => {
    if (state.listsLoaded && !conversation) chat.fetchConversation(conversationId).catch((err) => setError(describeError(err)));
  }, [conversationId, state.listsLoaded]);

  // What the agent has on screen is read (the visitor sees the receipt): now, and when the browser tab comes back into view.
  useEffect(() => {
    if (!loaded) return;
    const readIfVisible = () => document.visibilityState === 'visible' && markRead(chat, conversationId);
    readIfVisible();
    document.addEventListener('visibilitychange', readIfVisible);
    return () => document.removeEventListener('visibilitychange', readIfVisible);
  }, [loaded, log.lastSeq, conversation?.lastSeq]);

  if (!conversation) {
    return error ? <p class="error" role="alert">{error}</p> : <p role="status">Loading…</p>;
  }
  const lead = state.leads[conversation.leadId];
  const assignee = state.members.find((m) => m.id === conversation.assigneeId);
  const assigneeText = conversation.assigneeId === me.id ? 'you' : (assignee?.fullname ?? 'someone');

  return (
    <article class="conversation">
      <header class="conversation-head">
        <a class="back" href={backHref}>← Back to the list</a>
        <div class="title">
          <h2>{visibleName(lead) ?? 'Visitor'}</h2>
          {/* Not named after the lead: in the lists, links that start with its name are its conversations. */}
          <a href={href.contact(conversation.leadId)}>Contact details</a>
        </div>
        <p class="muted">
          {STATUS_TEXT[conversation.status]}
          {conversation.assigneeId && conversation.status !== 'unassigned' ? ` · ${assigneeText}` : ''}
          {conversation.rating ? ` · rated ${conversation.rating}/5` : ''}
        </p>
        <ConversationActions conversation={conversation} />
      </header>
      {error && <p class="error" role="alert">{error}</p>}
      <MessageLog conversation={conversation} log={log} loaded={loaded} />
      <p class="typing" role="status">{state.visitorTyping[conversationId] ? `${visibleName(lead) ?? 'The visitor'} is typing…` : ''}</p>
      <Composer conversation={conversation} />
    </article>
  );
}
