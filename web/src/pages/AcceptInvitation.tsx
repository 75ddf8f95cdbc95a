import { useState } from "preact/hooks";
import { api } from "../api/client";
import { FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page, useLinkToken } from "../components/Page";
import { MISMATCH, PasswordChoice } from "../components/PasswordChoice";

/** An invited employer or broker user chooses their password with the emailed link. */
export default function AcceptInvitation() {
  const token = useLinkToken();
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [email, setEmail] = useState<string | null>(null);
  const { errors, busy, submit, fail, formRef } = useForm(["password", "repeat"]);

  function onSubmit(event: Event): void {
    event.preventDefault();
    if (password !== repeat) return fail({ repeat: MISMATCH });
    void submit(async () => {
      const accepted = await api<{ email: string }>("POST", "/v1/accounts/accept-invitation", { token, password });
      setEmail(accepted.email);
    });
  }

  return (
    <Page title="Accepter mon invitation">
      {email ? (
        <>
          <Notice>
            <p>
              Votre accès est prêt. Connectez-vous avec votre adresse professionnelle <strong>{email}</strong>.
            </p>
          </Notice>
          <p>
            <a class="button" href="/connexion">Me connecter</a>
          </p>
        </>
      ) : (
        <form ref={formRef} onSubmit={onSubmit} noValidate>
          <p>Choisissez le mot de passe de votre accès professionnel.</p>
          <FormAlert messages={errors.general} />
          <PasswordChoice password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} errors={errors.fields} />
          <Submit busy={busy}>Accepter l'invitation</Submit>
        </form>
      )}
    </Page>
  );
}
