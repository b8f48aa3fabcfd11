/** A labelled input: the visible label is its accessible name. */
import { useId } from 'preact/hooks';

interface FieldProps {
  label: string;
  value: string;
  onInput(value: string): void;
  type?: 'text' | 'email' | 'password' | 'number' | 'search' | 'url' | 'tel';
  autoComplete?: string;
  required?: boolean;
  minLength?: number | undefined;
  placeholder?: string;
  hint?: string;
}

export function Field({ label, value, onInput, type = 'text', hint, ...rest }: FieldProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type={type as 'text'} value={value} onInput={(e) => onInput((e.target as HTMLInputElement).value)} {...rest} />
      {hint && <small>{hint}</small>}
    </div>
  );
}
