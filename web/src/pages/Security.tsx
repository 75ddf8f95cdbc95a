import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { ApiError, formErrors } from "../api/problem";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page } from "../components/Page";
import { MISMATCH, PasswordChoice } from "../components/PasswordChoice";
import { useSignedIn } from "../components/session";

interface SecurityEvent {
  kind: string;
  at: string;
  client_ip: string | null;
}

interface TwoFactor {
  enabled: boolean;
  method: string | null;
  recovery_codes_left: number;
}

// What the member reads for each kind of identity's security log; an unknown kind shows as it is.
const EVENT_LABELS: Record<string, string> = {
  "account.created": "Création de l'espace",
  "account.confirmed": "Adresse e-mail confirmée",
  "account.activated": "Espace activé",
  "invitation.accepted": "Invitation acceptée",
  "sign_in.succeeded": "Connexion",
  "sign_in.failed": "Tentative de connexion échouée",
  "sign_in.throttled": "Connexions bloquées temporairement",
  "sign_in.new_device": "Connexion depuis un nouvel appareil",
  "sign_in.second_factor_required": "Code de vérification demandé",
  "second_factor.failed": "Code de vérification incorrect",
  "signed_out": "Déconnexion",
  "password.changed": "Mot de passe changé",
  "password_reset.requested": "Lien de mot de passe oublié demandé",
  "password.reset": "Mot de passe réinitialisé",
  "profile.updated": "Coordonnées modifiées",
  "email_change.requested": "Changement d'adresse e-mail demandé",
  "email.changed": "Adresse e-mail changée",
  "two_factor.enabled": "Vérification en deux étapes activée",
  "two_factor.disabled": "Vérification en deux étapes désactivée",
  "two_factor.sms_code_sent": "Code envoyé par SMS",
  "refresh_token.reused": "Session fermée par sécurité",
  "account.linked": "Comptes réunis",
  "account.unlinked": "Comptes séparés",
};

const METHODS: Record<string, string> = { totp: "application d'authentification", sms: "SMS" };

function when(iso: string): string {
  return new Date(iso).toLocaleString("fr-FR", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Paris" });
}

function PasswordChange() {
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const { errors, busy, submit, fail, formRef } = useForm(["current_password", "new_password", "password", "repeat"]);

  function onSubmit(event: Event): void {
    event.preventDefault();
    setDone(false);
    if (password !== repeat) return fail({ repeat: MISMATCH });
    void submit(async () => {
      await api("PUT", "/v1/me/password", { current_password: current, new_password: password }, { auth: true });
      setCurrent("");
      setPassword("");
      setRepeat("");
      setDone(true);
    });
  }

  const fields = { ...errors.fields, password: errors.fields.new_password ?? errors.fields.password };
  return (
    <section aria-labelledby="mot-de-passe">
      <h2 id="mot-de-passe">Mon mot de passe</h2>
      {done && (
        <Notice>
          <p>Votre mot de passe est changé. Vos autres sessions ont été fermées.</p>
        </Notice>
      )}
      <form ref={formRef} onSubmit={onSubmit} noValidate>
        <FormAlert messages={errors.general} />
        <Field name="current_password" label="Mot de passe actuel" type="password" value={current} onInput={setCurrent} error={errors.fields.current_password} autoComplete="current-password" required />
        <PasswordChoice password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} errors={fields} label="Nouveau mot de passe" />
        <Submit busy={busy}>Changer mon mot de passe</Submit>
      </form>
    </section>
  );
}

function TwoFactorSection() {
  const [status, setStatus] = useState<TwoFactor | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const start = useForm([]);
  const confirm = useForm(["code"]);

  const load = () => api<TwoFactor>("GET", "/v1/me/two-factor", undefined, { auth: true }).then(setStatus);
  useEffect(() => {
    load().catch(() => setStatus(null));
  }, []);

  function onStart(event: Event): void {
    event.preventDefault();
    void start.submit(async () => {
      const started = await api<{ secret: string }>("POST", "/v1/me/two-factor/totp", {}, { auth: true });
      setSecret(started.secret);
    });
  }

  function onConfirm(event: Event): void {
    event.preventDefault();
    void confirm.submit(async () => {
      const done = await api<{ recovery_codes: string[] }>("POST", "/v1/me/two-factor/totp/confirm", { code }, { auth: true });
      setRecovery(done.recovery_codes);
      setSecret(null);
      setCode("");
      await load();
    });
  }

  return (
    <section aria-labelledby="deux-etapes">
      <h2 id="deux-etapes">Vérification en deux étapes</h2>
      {status && (
        <p>
          {status.enabled
            ? `Activée (${METHODS[status.method ?? ""] ?? status.method}). Codes de secours restants : ${status.recovery_codes_left}.`
            : "Désactivée : seul votre mot de passe protège votre espace."}
        </p>
      )}
      {recovery && (
        <Notice>
          <p>Vérification en deux étapes activée. Notez ces codes de secours, chacun ne sert qu'une fois ; ils ne seront plus affichés :</p>
          <ul class="codes">{recovery.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        </Notice>
      )}
      {status && !status.enabled && !secret && (
        <form ref={start.formRef} onSubmit={onStart} noValidate>
          <FormAlert messages={start.errors.general} />
          <Submit busy={start.busy}>Activer avec une application d'authentification</Submit>
        </form>
      )}
      {secret && (
        <form ref={confirm.formRef} onSubmit={onConfirm} noValidate>
          <p>
            Dans votre application d'authentification, ajoutez un compte avec cette clé :{" "}
            <code class="secret">{secret}</code>
          </p>
          <FormAlert messages={confirm.errors.general} />
          <Field name="code" label="Code affiché par l'application" value={code} onInput={setCode} error={confirm.errors.fields.code} autoComplete="one-time-code" inputMode="numeric" required />
          <Submit busy={confirm.busy}>Confirmer</Submit>
        </form>
      )}
    </section>
  );
}

function Activity() {
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const [failed, setFailed] = useState<string[]>([]);
  useEffect(() => {
    api<{ events: SecurityEvent[] }>("GET", "/v1/security-events?limit=20", undefined, { auth: true })
      .then((answer) => setEvents(answer.events))
      .catch((error) => setFailed(error instanceof ApiError && error.status === 401 ? [] : formErrors(error, []).general));
  }, []);
  return (
    <section aria-labelledby="activite">
      <h2 id="activite">Activité récente</h2>
      <FormAlert messages={failed} />
      {events && events.length === 0 && <p>Aucune activité enregistrée.</p>}
      {events && events.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Les dernières opérations de sécurité de votre espace</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Opération</th>
                <th scope="col">Adresse IP</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e, i) => (
                <tr key={`${e.at}-${i}`}>
                  <td>{when(e.at)}</td>
                  <td>{EVENT_LABELS[e.kind] ?? e.kind}</td>
                  <td>{e.client_ip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export default function Security() {
  const signedIn = useSignedIn();
  if (!signedIn) {
    return (
      <Page title="Ma sécurité">
        <p>
          Vous n'êtes pas connecté. <a href="/connexion">Me connecter</a>
        </p>
      </Page>
    );
  }
  return (
    <Page title="Ma sécurité">
      <PasswordChange />
      <TwoFactorSection />
      <Activity />
    </Page>
  );
}
