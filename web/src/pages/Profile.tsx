import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { ApiError, formErrors } from "../api/problem";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page } from "../components/Page";
import { useSignedIn } from "../components/session";
import { LinkedAccounts } from "./LinkedAccounts";
import { MyData } from "./MyData";

interface Address {
  line1: string;
  line2?: string | null;
  postcode: string;
  city: string;
  country?: string;
}

interface Me {
  email: string;
  first_name: string;
  last_name: string;
  birth_date: string | null;
  member_number: string | null;
  contract_number: string | null;
  phone: string | null;
  address: Address | null;
}

const FIELDS = ["phone", "email", "address.line1", "address.line2", "address.postcode", "address.city", "address"] as const;

function frenchDate(iso: string | null): string {
  if (!iso) return "—";
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

export default function Profile() {
  const signedIn = useSignedIn();
  const [me, setMe] = useState<Me | null>(null);
  const [loadError, setLoadError] = useState<string[]>([]);
  const [values, setValues] = useState({ phone: "", email: "", line1: "", line2: "", postcode: "", city: "" });
  const [saved, setSaved] = useState<string | null>(null);
  const { errors, busy, submit, formRef } = useForm(FIELDS);

  function show(account: Me): void {
    setMe(account);
    setValues({
      phone: account.phone ?? "", email: account.email,
      line1: account.address?.line1 ?? "", line2: account.address?.line2 ?? "",
      postcode: account.address?.postcode ?? "", city: account.address?.city ?? "",
    });
  }

  useEffect(() => {
    if (!signedIn) return;
    api<Me>("GET", "/v1/me", undefined, { auth: true })
      .then(show)
      .catch((error) => setLoadError(error instanceof ApiError && error.status === 401 ? [] : formErrors(error, []).general));
  }, [signedIn]);

  if (!signedIn) {
    return (
      <Page title="Mon profil">
        <p>
          Vous n'êtes pas connecté. <a href="/connexion">Me connecter</a>
        </p>
      </Page>
    );
  }

  const set = (name: keyof typeof values) => (value: string) => setValues({ ...values, [name]: value });

  function onSubmit(event: Event): void {
    event.preventDefault();
    if (!me) return;
    setSaved(null);
    void submit(async () => {
      const changes: Record<string, unknown> = {};
      if (values.phone !== (me.phone ?? "")) changes.phone = values.phone || null;
      if (values.email.trim() !== me.email) changes.email = values.email.trim();
      const anyAddress = values.line1 || values.line2 || values.postcode || values.city;
      const address = anyAddress
        ? { line1: values.line1, line2: values.line2 || null, postcode: values.postcode, city: values.city, country: "FR" }
        : null;
      const before = me.address
        ? { line1: me.address.line1, line2: me.address.line2 || null, postcode: me.address.postcode, city: me.address.city, country: "FR" }
        : null;
      if (JSON.stringify(address) !== JSON.stringify(before)) changes.address = address;
      const answer = await api<{ pending_email: string | null }>("PATCH", "/v1/me", changes, { auth: true });
      show(await api<Me>("GET", "/v1/me", undefined, { auth: true }));
      setSaved(
        answer.pending_email
          ? `Vos coordonnées sont enregistrées. Pour utiliser ${answer.pending_email}, suivez le lien que nous venons d'y envoyer.`
          : "Vos coordonnées sont enregistrées.",
      );
    });
  }

  const f = errors.fields;
  return (
    <Page title="Mon profil">
      <FormAlert messages={loadError} />
      {!me && loadError.length === 0 && <p role="status">Chargement…</p>}
      {me && (
        <>
          <section aria-labelledby="identite">
            <h2 id="identite">Mon identité</h2>
            <dl class="facts">
              <dt>Nom</dt>
              <dd>{me.first_name} {me.last_name}</dd>
              <dt>Date de naissance</dt>
              <dd>{frenchDate(me.birth_date)}</dd>
              <dt>Numéro d'adhérent</dt>
              <dd>{me.member_number ?? "—"}</dd>
              <dt>Numéro de contrat</dt>
              <dd>{me.contract_number ?? "—"}</dd>
              <dt>Adresse e-mail</dt>
              <dd>{me.email}</dd>
            </dl>
          </section>
          <section aria-labelledby="coordonnees">
            <h2 id="coordonnees">Mes coordonnées</h2>
            {saved && (
              <Notice>
                <p>{saved}</p>
              </Notice>
            )}
            <form ref={formRef} onSubmit={onSubmit} noValidate>
              <FormAlert messages={[...errors.general, ...(f.address ? [f.address] : [])]} />
              <Field name="email" label="Adresse e-mail" type="email" value={values.email} onInput={set("email")} error={f.email} autoComplete="email" hint="Une nouvelle adresse est utilisée après sa confirmation par le lien que nous y envoyons." required />
              <Field name="phone" label="Téléphone mobile" type="tel" value={values.phone} onInput={set("phone")} error={f.phone} autoComplete="tel" inputMode="tel" hint="Un numéro commençant par 06 ou 07." />
              <fieldset>
                <legend>Adresse postale</legend>
                <Field name="address.line1" label="Numéro et voie" value={values.line1} onInput={set("line1")} error={f["address.line1"]} autoComplete="address-line1" />
                <Field name="address.line2" label="Complément d'adresse" value={values.line2} onInput={set("line2")} error={f["address.line2"]} autoComplete="address-line2" />
                <Field name="address.postcode" label="Code postal" value={values.postcode} onInput={set("postcode")} error={f["address.postcode"]} autoComplete="postal-code" inputMode="numeric" />
                <Field name="address.city" label="Ville" value={values.city} onInput={set("city")} error={f["address.city"]} autoComplete="address-level2" />
              </fieldset>
              <Submit busy={busy}>Enregistrer</Submit>
            </form>
          </section>
          <LinkedAccounts />
          <MyData />
        </>
      )}
    </Page>
  );
}
