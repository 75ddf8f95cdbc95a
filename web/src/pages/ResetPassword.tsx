import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page, useLinkToken } from "../components/Page";

export default function ResetPassword() {
  const token = useLinkToken();
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const { errors, busy, submit, fail, formRef } = useForm(["password", "repeat"]);

  function onSubmit(event: Event): void {
    event.preventDefault();
    if (password !== repeat) {
      fail({ repeat: "Les deux mots de passe ne sont pas identiques." });
      return;
    }
    void submit(async () => {
      await api("POST", "/v1/password-resets/confirm", { token, password });
      setDone(true);
    });
  }

  return (
    <Page title="Choisir un nouveau mot de passe">
      {done ? (
        <>
          <Notice>
            <p>Votre mot de passe est changé. Par sécurité, vos autres sessions ont été fermées.</p>
          </Notice>
          <p>
            <a class="button" href="/connexion">Me connecter</a>
          </p>
        </>
      ) : (
        <form ref={formRef} onSubmit={onSubmit} noValidate>
          <FormAlert messages={errors.general} />
          <Field name="password" label="Nouveau mot de passe" type="password" value={password} onInput={setPassword} error={errors.fields.password} autoComplete="new-password" hint="Au moins 12 caractères ; évitez les mots de passe courants." required />
          <Field name="repeat" label="Confirmez le nouveau mot de passe" type="password" value={repeat} onInput={setRepeat} error={errors.fields.repeat} autoComplete="new-password" required />
          <Submit busy={busy}>Enregistrer</Submit>
        </form>
      )}
    </Page>
  );
}
