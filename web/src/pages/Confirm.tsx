import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { formErrors } from "../api/problem";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page, useLinkToken } from "../components/Page";

/** A new confirmation link for an address whose link expired (the answer never says whether it has an account). */
function NewLink() {
  const [email, setEmail] = useState("");
  const [answer, setAnswer] = useState<string | null>(null);
  const { errors, busy, submit, formRef } = useForm(["email"]);

  function onSubmit(event: Event): void {
    event.preventDefault();
    void submit(async () => {
      setAnswer((await api<{ detail: string }>("POST", "/v1/accounts/confirmation-requests", { email })).detail);
    });
  }

  if (answer) {
    return (
      <Notice>
        <p>{answer}</p>
      </Notice>
    );
  }
  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate>
      <h2>Recevoir un nouveau lien</h2>
      <FormAlert messages={errors.general} />
      <Field name="email" label="Adresse e-mail de votre espace" type="email" value={email} onInput={setEmail} error={errors.fields.email} autoComplete="email" required />
      <Submit busy={busy}>Recevoir un nouveau lien</Submit>
    </form>
  );
}

type State = { kind: "pending" } | { kind: "done" } | { kind: "failed"; messages: string[] };

export default function Confirm() {
  const [state, setState] = useState<State>({ kind: "pending" });
  const token = useLinkToken();
  useEffect(() => {
    if (!token) {
      setState({ kind: "failed", messages: ["Ce lien est incomplet : ouvrez le lien reçu par e-mail en entier."] });
      return;
    }
    api("POST", "/v1/accounts/confirm", { token })
      .then(() => setState({ kind: "done" }))
      .catch((error) => setState({ kind: "failed", messages: formErrors(error, []).general }));
  }, []);

  return (
    <Page title="Confirmer mon adresse e-mail">
      {state.kind === "pending" && <p role="status">Confirmation en cours…</p>}
      {state.kind === "done" && (
        <>
          <Notice>
            <p>Votre adresse e-mail est confirmée : votre espace est prêt.</p>
          </Notice>
          <p>
            <a class="button" href="/connexion">Me connecter</a>
          </p>
        </>
      )}
      {state.kind === "failed" && (
        <>
          <FormAlert messages={state.messages} />
          <p>
            Le lien a peut-être expiré ou déjà servi : si votre adresse est déjà confirmée, <a href="/connexion">connectez-vous</a>.
          </p>
          <NewLink />
        </>
      )}
    </Page>
  );
}
