/** Online / Away: two toggle buttons, aria-pressed on the one in effect (`presence:set`). */
import { setPresence } from './actions.js';
import { useConsole } from './context.js';
import { useStore } from './store.js';

export function PresenceSwitch() {
  const { chat } = useConsole();
  const { presence } = useStore(chat.state);
  const choose = (status: 'online' | 'away') => void setPresence(chat, status).catch(() => {});
  return (
    <div role="group" aria-label="Presence" class="presence">
      {(['online', 'away'] as const).map((status) => (
        <button key={status} type="button" aria-pressed={presence === status} class={`toggle ${status}`} onClick={() => choose(status)}>
          {status === 'online' ? 'Online' : 'Away'}
        </button>
      ))}
    </div>
  );
}
