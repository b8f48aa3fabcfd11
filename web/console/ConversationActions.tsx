/** Join, Close, Reopen, Transfer (to a member picked from GET …/agents, then "Confirm transfer"). */
import { useId, useState } from 'preact/hooks';
import { close, join, reopen, transfer } from './actions.js';
import { describeError } from './api.js';
import { useConsole } from './context.js';
import { useStore } from './store.js';
import type { Conversation } from './types.js';

export function ConversationActions({ conversation }: { conversation: Conversation }) {
  const { chat, me } = useConsole();
  const { members } = useStore(chat.state);
  const [error, setError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const [target, setTarget] = useState('');
  const selectId = useId();
  const id = conversation.id;
  const open = conversation.status !== 'closed';
  const others = members.filter((m) => m.id !== conversation.assigneeId);

  const run = (action: () => Promise<void>) => {
    setError(null);
    action().catch((err) => setError(describeError(err)));
  };

  return (
    <div class="actions">
      {conversation.assigneeId !== me.id && (
        <button type="button" onClick={() => run(() => join(chat, id))}>Join</button>
      )}
      {open && <button type="button" onClick={() => run(() => close(chat, id))}>Close</button>}
      {!open && <button type="button" onClick={() => run(() => reopen(chat, id))}>Reopen</button>}
      {open && !picking && (
        <button
          type="button"
          onClick={() => {
            setPicking(true);
            setTarget(others[0]?.id ?? '');
            void chat.refreshMembers().catch(() => {});
          }}
        >
          Transfer
        </button>
      )}
      {open && picking && (
        <form
          class="transfer"
          onSubmit={(e) => {
            e.preventDefault();
            if (target) run(() => transfer(chat, id, target).then(() => setPicking(false)));
          }}
        >
          <label for={selectId}>Transfer to</label>
          <select id={selectId} value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
            {others.map((m) => (
              <option key={m.id} value={m.id}>
                {m.fullname} ({m.presence}){m.id === me.id ? ' — you' : ''}
              </option>
            ))}
          </select>
          <button type="submit" class="primary" disabled={!target}>Confirm transfer</button>
          <button type="button" onClick={() => setPicking(false)}>Cancel</button>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}
