// Choosing a password twice, with the policy's hint; the two must match before anything is sent.
import { Field } from "./form";

export const PASSWORD_HINT = "Au moins 12 caractères ; évitez les mots de passe courants.";
export const MISMATCH = "Les deux mots de passe ne sont pas identiques.";

interface Props {
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  errors: Record<string, string>;
  label?: string;
}

export function PasswordChoice({ password, repeat, onPassword, onRepeat, errors, label = "Mot de passe" }: Props) {
  return (
    <>
      <Field name="password" label={label} type="password" value={password} onInput={onPassword} error={errors.password} autoComplete="new-password" hint={PASSWORD_HINT} required />
      <Field name="repeat" label={`Confirmez le ${label.toLowerCase()}`} type="password" value={repeat} onInput={onRepeat} error={errors.repeat} autoComplete="new-password" required />
    </>
  );
}
