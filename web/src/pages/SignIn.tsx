import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { startSession, type TokenPair } from "../api/session";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page, queryParam } from "../components/Page";

interface Challenge {
  second_factor_required: true;
  challenge_token: string;
  method: string;
}

const CODE_LABELS: Record<string, string> = {
  totp: "Code de votre application d'authentification",
  sms: "Code reçu par SMS",
};

export default function SignIn() {
  const { route } = useLocation();
  const [identifier, setIdentifier] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [code, setCode] = useState("");
  const first = useForm(["identifier", "password"]);
  const second = useForm(["code"]);
  const signedOut = queryParam("deconnecte") === "1";

  function signedIn(pair: TokenPair): void {
    startSession(pair);
    route("/mon-compte");
  }

  function onSignIn(event: Event): void {
    event.preventDefault();
    void first.submit(async () => {
      const answer = await api<TokenPair | Challenge>("POST", "/v1/sessions", { identifier, password });
      if ("second_factor_required" in answer) setChallenge(answer);
      else signedIn(answer);
    });
  }

  function onCode(event: Event): void {
    event.preventDefault();
    void second.submit(async () => {
      signedIn(await api<TokenPair>("POST", "/v1/sessions/second-factor", { challenge_token: challenge!.challenge_token, code }));
    });
  }

  if (challenge) {
    return (
      <Page title="Vérification en deux étapes">
        <form ref={second.formRef} onSubmit={onCode} noValidate>
          <FormAlert messages={second.errors.general} />
          <Field
            name="code"
            label={CODE_LABELS[challenge.method] ?? "Code de vérification"}
            value={code}
            onInput={setCode}
            error={second.errors.fields.code}
            autoComplete="one-time-code"
            inputMode="numeric"
            hint="Vous pouvez aussi saisir l'un de vos codes de secours."
            required
          />
          <Submit busy={second.busy}>Valider</Submit>
        </form>
      </Page>
    );
  }

  return (
    <Page title="Me connecter">
      {signedOut && (
        <Notice>
          <p>Vous êtes déconnecté.</p>
        </Notice>
      )}
      <form ref={first.formRef} onSubmit={onSignIn} noValidate>
        <FormAlert messages={first.errors.general} />
        <Field name="identifier" label="Adresse e-mail ou numéro d'adhérent" value={identifier} onInput={setIdentifier} error={first.errors.fields.identifier} autoComplete="username" required />
        <Field name="password" label="Mot de passe" type="password" value={password} onInput={setPassword} error={first.errors.fields.password} autoComplete="current-password" required />
        <Submit busy={first.busy}>Me connecter</Submit>
      </form>
      <p>
        <a href="/mot-de-passe-oublie">Mot de passe oublié ?</a>
      </p>
      <p>
        Pas encore d'espace ? <a href="/inscription">Créer mon espace</a>
      </p>
    </Page>
  );
}
