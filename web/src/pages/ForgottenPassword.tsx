import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page } from "../components/Page";

export default function ForgottenPassword() {
  const [email, setEmail] = useState("");
  const [answer, setAnswer] = useState<string | null>(null);
  const { errors, busy, submit, formRef } = useForm(["email"]);

  function onSubmit(event: Event): void {
    event.preventDefault();
    void submit(async () => {
      const reply = await api<{ detail: string }>("POST", "/v1/password-resets", { email });
      setAnswer(reply.detail);
    });
  }

  return (
    <Page title="Mot de passe oublié">
      {answer ? (
        <Notice>
          <p>{answer}</p>
        </Notice>
      ) : (
        <form ref={formRef} onSubmit={onSubmit} noValidate>
          <p>Indiquez l'adresse e-mail de votre espace : nous vous enverrons un lien pour choisir un nouveau mot de passe.</p>
          <FormAlert messages={errors.general} />
          <Field name="email" label="Adresse e-mail" type="email" value={email} onInput={setEmail} error={errors.fields.email} autoComplete="email" required />
          <Submit busy={busy}>Recevoir le lien</Submit>
        </form>
      )}
      <p>
        <a href="/connexion">Retour à la connexion</a>
      </p>
    </Page>
  );
}
