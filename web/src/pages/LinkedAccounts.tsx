// « Réunir vos comptes » (ID-12): a member with contracts of several categories, each with its own
// space, links them by proving they hold the other one (its identifier and password).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { formErrors } from "../api/problem";
import { refresh } from "../api/session";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";

interface Linked {
  account_id: string;
  category: string | null;
  member_number: string | null;
  linked_at: string;
}

const CATEGORIES: Record<string, string> = { sante: "Santé", prevoyance: "Prévoyance", retraite: "Retraite" };

export function LinkedAccounts() {
  const [linked, setLinked] = useState<Linked[] | null>(null);
  const [identifier, setIdentifier] = useState("");
  const [password, setPassword] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [listErrors, setListErrors] = useState<string[]>([]);
  const { errors, busy, submit, formRef } = useForm(["identifier", "password"]);

  const load = () =>
    api<{ linked_accounts: Linked[] }>("GET", "/v1/linked-accounts", undefined, { auth: true }).then((a) => setLinked(a.linked_accounts));
  useEffect(() => {
    load().catch((error) => setListErrors(formErrors(error, []).general));
  }, []);

  function onLink(event: Event): void {
    event.preventDefault();
    setNotice(null);
    void submit(async () => {
      await api("POST", "/v1/linked-accounts", { identifier, password }, { auth: true });
      await refresh(); // the new token carries the linked person (ID-12)
      setIdentifier("");
      setPassword("");
      setNotice("Les deux espaces sont réunis.");
      await load();
    });
  }

  async function unlink(account: Linked): Promise<void> {
    setNotice(null);
    setListErrors([]);
    try {
      await api("DELETE", `/v1/linked-accounts/${account.account_id}`, undefined, { auth: true });
      await refresh();
      setNotice("Les espaces sont à nouveau séparés.");
      await load();
    } catch (error) {
      setListErrors(formErrors(error, []).general);
    }
  }

  return (
    <section aria-labelledby="comptes-reunis">
      <h2 id="comptes-reunis">Réunir mes comptes</h2>
      <p>Vous avez un autre espace pour un contrat d'une autre catégorie (prévoyance, retraite) ? Réunissez-les pour tout voir depuis celui-ci.</p>
      {notice && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}
      <FormAlert messages={listErrors} />
      {linked && linked.length > 0 && (
        <ul class="linked">
          {linked.map((a) => (
            <li key={a.account_id}>
              <span>
                {CATEGORIES[a.category ?? ""] ?? a.category ?? "Autre"} — adhérent n° {a.member_number ?? "—"}
              </span>{" "}
              <button type="button" class="link-button" onClick={() => void unlink(a)}>
                Séparer<span class="visually-hidden"> l'espace {CATEGORIES[a.category ?? ""] ?? a.category}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form ref={formRef} onSubmit={onLink} noValidate>
        <FormAlert messages={errors.general} />
        <Field name="identifier" id="champ-lien-identifier" label="E-mail ou numéro d'adhérent de l'autre espace" value={identifier} onInput={setIdentifier} error={errors.fields.identifier} autoComplete="off" required />
        <Field name="password" id="champ-lien-password" label="Mot de passe de l'autre espace" type="password" value={password} onInput={setPassword} error={errors.fields.password} autoComplete="off" required />
        <Submit busy={busy}>Réunir les espaces</Submit>
      </form>
    </section>
  );
}
