import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page, useLinkToken } from "../components/Page";
import { MISMATCH, PasswordChoice } from "../components/PasswordChoice";

/** An affiliated employee activates their pre-registered space: with the emailed link (its token is
 * in the address) or with the code of the postal letter and the email address the space will use. */
export default function Activate() {
  const linkToken = useLinkToken();
  const [code, setCode] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [status, setStatus] = useState<string | null>(null);
  const { errors, busy, submit, fail, formRef } = useForm(linkToken ? ["password", "repeat"] : ["token", "email", "password", "repeat"]);

  function onSubmit(event: Event): void {
    event.preventDefault();
    if (password !== repeat) return fail({ repeat: MISMATCH });
    void submit(async () => {
      const body = linkToken ? { token: linkToken, password } : { token: code, email, password };
      const answer = await api<{ status: string }>("POST", "/v1/accounts/activation", body);
      setStatus(answer.status);
    });
  }

  if (status) {
    return (
      <Page title="Activer mon espace">
        {status === "active" ? (
          <>
            <Notice>
              <p>Votre espace est activé.</p>
            </Notice>
            <p>
              <a class="button" href="/connexion">Me connecter</a>
            </p>
          </>
        ) : (
          <Notice>
            <p>Votre espace est presque prêt : suivez le lien que nous venons d'envoyer à {email} pour confirmer cette adresse.</p>
          </Notice>
        )}
      </Page>
    );
  }

  return (
    <Page title="Activer mon espace">
      <form ref={formRef} onSubmit={onSubmit} noValidate>
        <p>Votre employeur vous a affilié au contrat collectif : choisissez le mot de passe de votre espace.</p>
        <FormAlert messages={errors.general} />
        {!linkToken && (
          <>
            <Field name="token" label="Code d'activation" value={code} onInput={setCode} error={errors.fields.token} hint="Le code indiqué dans le courrier que vous avez reçu." autoComplete="off" required />
            <Field name="email" label="Adresse e-mail" type="email" value={email} onInput={setEmail} error={errors.fields.email} autoComplete="email" hint="L'adresse de votre espace : nous vous y enverrons un lien de confirmation." required />
          </>
        )}
        <PasswordChoice password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} errors={errors.fields} />
        <Submit busy={busy}>Activer mon espace</Submit>
      </form>
    </Page>
  );
}
