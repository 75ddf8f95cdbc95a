// Accessible form parts: every input has its label, its hint and its error tied by
// aria-describedby; an error sets aria-invalid and, after a submit, takes the focus.
import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { formErrors, type FormErrors } from "../api/problem";

const NO_ERRORS: FormErrors = { fields: {}, general: [] };

export function useForm(fieldNames: readonly string[]) {
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  function focusFirstError(): void {
    // After the render that shows the messages: the first invalid field, else the alert.
    requestAnimationFrame(() => {
      const form = formRef.current;
      const target = form?.querySelector<HTMLElement>("[aria-invalid='true'], [role='alert']");
      target?.focus();
    });
  }

  async function submit(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await action();
    } catch (error) {
      setErrors(formErrors(error, fieldNames));
      focusFirstError();
    } finally {
      setBusy(false);
    }
  }

  function fail(fields: Record<string, string>): void {
    setErrors({ fields, general: [] });
    focusFirstError();
  }

  return { errors, busy, submit, fail, formRef };
}

interface FieldProps {
  name: string;
  /** The input's id when another form of the page has a field of the same name. */
  id?: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  hint?: string;
  type?: "text" | "email" | "password" | "tel" | "date";
  autoComplete?: string;
  required?: boolean;
  inputMode?: "text" | "numeric" | "tel" | "email";
}

export function Field(props: FieldProps) {
  const id = props.id ?? `champ-${props.name.replace(/\./g, "-")}`;
  const hintId = props.hint ? `${id}-aide` : undefined;
  const errorId = props.error ? `${id}-erreur` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div class={props.error ? "field field--error" : "field"}>
      <label for={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : <span class="optional"> (facultatif)</span>}
      </label>
      {props.hint && <p id={hintId} class="hint">{props.hint}</p>}
      {props.error && (
        <p id={errorId} class="error-message">
          <span class="visually-hidden">Erreur : </span>
          {props.error}
        </p>
      )}
      <input
        id={id}
        name={props.name}
        // preact types each input type separately; the union is safe for a text-like input.
        type={(props.type ?? "text") as "text"}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
        autoComplete={props.autoComplete}
        required={props.required}
        inputMode={props.inputMode}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy}
      />
    </div>
  );
}

export function FormAlert({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <div class="alert alert--error" role="alert" tabIndex={-1}>
      {messages.length === 1 ? <p>{messages[0]}</p> : <ul>{messages.map((m) => <li key={m}>{m}</li>)}</ul>}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="alert alert--success" role="status">
      {children}
    </div>
  );
}

export function Submit({ busy, children }: { busy: boolean; children: ComponentChildren }) {
  return (
    <button type="submit" class="button" disabled={busy} aria-busy={busy ? "true" : undefined}>
      {busy ? "Patientez…" : children}
    </button>
  );
}
