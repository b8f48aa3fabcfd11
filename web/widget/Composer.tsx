/** The message box: Enter sends, Shift+Enter starts a new line; typing tells the agent. */
import { useState } from 'preact/hooks';
import type { WidgetStore } from './widget-store.js';

/** The contract's limit is 4,000 characters (code points); 4,000 UTF-16 units never exceed it. */
const MAX_TEXT = 4000;

export function Composer({ store }: { store: WidgetStore }) {
  const [text, setText] = useState('');

  const submit = () => {
    if (text.trim() === '') return;
    store.send(text);
    setText('');
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        aria-label="Message"
        placeholder="Write a message…"
        rows={1}
        maxLength={MAX_TEXT}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          store.chat?.typed();
        }}
        onKeyDown={(e) => {
          // Not while an input method is composing (Japanese, Chinese…): there Enter picks a word.
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit" class="primary">
        Send
      </button>
    </form>
  );
}
