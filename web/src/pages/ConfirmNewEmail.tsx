import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { formErrors } from "../api/problem";
import { FormAlert, Notice } from "../components/form";
import { Page, useLinkToken } from "../components/Page";

type State = { kind: "pending" } | { kind: "done"; email: string } | { kind: "failed"; messages: string[] };

/** The link sent to a new address (profile's email change): confirming it makes it the account's. */
export default function ConfirmNewEmail() {
  const [state, setState] = useState<State>({ kind: "pending" });
  const token = useLinkToken();
  useEffect(() => {
    if (!token) {
      setState({ kind: "failed", messages: ["Ce lien est incomplet : ouvrez le lien reçu par e-mail en entier."] });
      return;
    }
    api<{ email: string }>("POST", "/v1/me/email-confirmations", { token })
      .then((answer) => setState({ kind: "done", email: answer.email }))
      .catch((error) => setState({ kind: "failed", messages: formErrors(error, []).general }));
  }, []);

  return (
    <Page title="Confirmer ma nouvelle adresse">
      {state.kind === "pending" && <p role="status">Confirmation en cours…</p>}
      {state.kind === "done" && (
        <>
          <Notice>
            <p>
              Votre nouvelle adresse <strong>{state.email}</strong> est confirmée : utilisez-la désormais pour vous connecter.
            </p>
          </Notice>
          <p>
            <a class="button" href="/mon-compte">Mon profil</a>
          </p>
        </>
      )}
      {state.kind === "failed" && (
        <>
          <FormAlert messages={state.messages} />
          <p>
            Le lien a peut-être expiré : demandez à nouveau le changement depuis <a href="/mon-compte">votre profil</a>.
          </p>
        </>
      )}
    </Page>
  );
}
