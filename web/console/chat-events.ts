/** Applies what the /agent namespace tells the console to its store; every (re)connect resynchronises. */
import type { ChatStore } from './chat-store.js';
import { putConversation, sawSeq } from './chat-state.js';
import { isExpired } from './session.js';
import type { AgentServerEvents } from './types.js';

type Handlers = { [K in keyof AgentServerEvents]: AgentServerEvents[K] };

export function wireChatEvents(chat: ChatStore): void {
  const { socket } = chat;

  socket.on('connect', () => {
    chat.update((s) => ({ ...s, connection: 'connected' }));
    chat.resync().catch(() => {});
  });
  socket.on('disconnect', (reason) => {
    chat.update((s) => ({ ...s, connection: 'disconnected', visitorTyping: {} }));
    chat.outbox.disconnected();
    chat.privateOutbox.disconnected();
    // The server ends a socket whose token expired, or whose agent left the project.
    if (reason === 'io server disconnect') {
      if (isExpired(chat.options.token)) chat.options.onAuthLost();
      else socket.connect();
    }
  });
  socket.on('connect_error', (err) => {
    chat.update((s) => ({ ...s, connection: 'disconnected' }));
    if (err.message === 'UNAUTHENTICATED') chat.options.onAuthLost();
    else if (err.message === 'FORBIDDEN' || err.message === 'NOT_FOUND') chat.options.onProjectLost();
  });

  const handlers: Handlers = {
    'message:created': (message) => {
      const { conversationId } = message;
      if (!chat.state.get().conversations[conversationId]) void chat.fetchConversation(conversationId).catch(() => {});
      // Applied by seq, once; a seq past the next one makes the log fetch the rest (afterSeq).
      chat.loadedLog(conversationId)?.apply(message);
      chat.update((s) => {
        let next = sawSeq(s, conversationId, message.seq);
        // A conversation started without text takes its first public message as firstText (no event says so).
        const known = next.conversations[conversationId];
        if (known && known.firstText === null && !message.private) next = { ...next, conversations: { ...next.conversations, [conversationId]: { ...known, firstText: message.text } } };
        const visitorTyping = message.sender.type === 'visitor' ? { ...s.visitorTyping, [conversationId]: false } : s.visitorTyping;
        return { ...next, visitorTyping };
      });
    },
    'conversation:created': (conversation) => chat.putConversation(conversation),
    'conversation:updated': (conversation) => chat.putConversation(conversation),
    typing: ({ conversationId, sender, typing }) => {
      if (sender.type !== 'visitor') return;
      chat.update((s) => ({ ...s, visitorTyping: { ...s.visitorTyping, [conversationId]: typing } }));
    },
    'conversation:read': ({ conversationId, reader, seq }) => {
      const known = chat.state.get().conversations[conversationId];
      if (!known) return;
      const field = reader.type === 'visitor' ? 'visitorLastReadSeq' : 'agentLastReadSeq';
      chat.update((s) => putConversation(s, { ...known, [field]: Math.max(known[field], seq) }));
    },
    // The agent's own switch shows its own choice: the server's "online" at each (re)connect
    // comes before this tab says "away" again, and must not undo it.
    'presence:changed': ({ agentId, status }) => {
      chat.update((s) => ({ ...s, members: s.members.map((m) => (m.id === agentId ? { ...m, presence: status } : m)) }));
    },
    'lead:merged': ({ leadId, mergedLeadId }) => {
      chat.update((s) => {
        const conversations = { ...s.conversations };
        for (const c of Object.values(conversations)) if (c.leadId === mergedLeadId) conversations[c.id] = { ...c, leadId };
        const leads = { ...s.leads };
        delete leads[mergedLeadId];
        return { ...s, conversations, leads, leadRevision: s.leadRevision + 1 };
      });
      chat.ensureLead(leadId, true);
    },
    'visitor:presence': () => {},
  };
  for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler as (...args: unknown[]) => void);
}
