/** The reply box ("Reply", "Send"; Enter sends, Shift+Enter breaks the line) with the "Private note" switch and typing signals. */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { sendTyping } from './actions.js';
import { useConsole } from './context.js';
import type { Conversation } from './types.js';

/** A `typing: true` is repeated this often while the agent keeps typing (the server forgets it after a few seconds). */
const TYPING_REPEAT_MS = 2_500;
const TYPING_IDLE_MS = 4_000;
const MAX_TEXT = 4_000;

export function Composer({ conversation }: { conversation: Conversation }) {
  const { chat } = useConsole();
  const [text, setText] = useState('');
  const [isPrivate, setPrivate] = useState(false);
  const id = useId();
  const typing = useRef({ sentAt: 0, idle: 0 as ReturnType<typeof setTimeout> | 0, private: false });
  const closed = conversation.status === 'closed';

  const stopTyping = () => {
    clearTimeout(typing.current.idle);
    if (typing.current.sentAt) sendTyping(chat, conversation.id, false, typing.current.private);
    typing.current.sentAt = 0;
  };
  useEffect(() => stopTyping, [conversation.id]);

  function onInput(value: string) {
    setText(value);
    const now = Date.now();
    if (value && now - typing.current.sentAt > TYPING_REPEAT_MS) {
      typing.current.sentAt = now;
      typing.current.private = isPrivate;
      sendTyping(chat, conversation.id, true, isPrivate);
    }
    clearTimeout(typing.current.idle);
    typing.current.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function submit(event?: Event) {
    event?.preventDefault();
    const body = text.trim();
    if (!body || closed) return;
    chat.send(conversation.id, body, isPrivate);
    setText('');
    clearTimeout(typing.current.idle);
    typing.current.sentAt = 0; // the server ends the typing signal with the message
  }

  return (
    <form class={`composer ${isPrivate ? 'private' : ''}`} onSubmit={submit}>
      <label for={id} class="composer-label">Reply</label>
      {isPrivate && <span class="private-hint">Private note: only agents see it</span>}
      <textarea
        id={id}
        rows={2}
        maxLength={MAX_TEXT}
        value={text}
        disabled={closed}
        placeholder={closed ? 'This conversation is closed. Reopen it to reply.' : isPrivate ? 'A note for the other agents…' : 'Write a reply…'}
        onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
        }}
        onBlur={stopTyping}
      />
      <div class="composer-row">
        <label class="check">
          <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate((e.target as HTMLInputElement).checked)} /> Private note
        </label>
        <button type="submit" class="primary" disabled={closed || !text.trim()}>Send</button>
      </div>
    </form>
  );
}
