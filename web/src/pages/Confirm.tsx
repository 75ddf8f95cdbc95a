import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { formErrors } from "../api/problem";
import { FormAlert, Notice } from "../components/form";
import { Page, queryParam } from "../components/Page";

type State = { kind: "pending" } | { kind: "done" } | { kind: "failed"; messages: string[] };

export default function Confirm() {
  const [state, setState] = useState<State>({ kind: "pending" });
  useEffect(() => {
    const token = queryParam("token");
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
            Le lien a peut-être expiré : <a href="/connexion">connectez-vous</a> ou créez à nouveau votre espace si besoin.
          </p>
        </>
      )}
    </Page>
  );
}
