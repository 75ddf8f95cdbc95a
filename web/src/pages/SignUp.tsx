import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Field, FormAlert, Notice, Submit, useForm } from "../components/form";
import { Page } from "../components/Page";

const FIELDS = ["last_name", "first_name", "birth_date", "contract_number", "email", "password", "phone"] as const;
type Values = Record<(typeof FIELDS)[number], string>;

export default function SignUp() {
  const [values, setValues] = useState<Values>({
    last_name: "", first_name: "", birth_date: "", contract_number: "", email: "", password: "", phone: "",
  });
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { errors, busy, submit, formRef } = useForm(FIELDS);
  const set = (name: keyof Values) => (value: string) => setValues({ ...values, [name]: value });

  function onSubmit(event: Event): void {
    event.preventDefault();
    void submit(async () => {
      const body: Record<string, string> = { ...values };
      if (!body.phone) delete body.phone;
      const created = await api<{ email: string }>("POST", "/v1/accounts", body);
      setSentTo(created.email);
    });
  }

  if (sentTo) {
    return (
      <Page title="Vérifiez votre messagerie">
        <Notice>
          <p>
            Votre espace est créé. Un e-mail de confirmation vient d'être envoyé à <strong>{sentTo}</strong> :
            suivez son lien pour activer votre espace.
          </p>
        </Notice>
      </Page>
    );
  }

  const f = errors.fields;
  return (
    <Page title="Créer mon espace">
      <p>Munissez-vous de votre numéro de contrat : il figure sur votre certificat d'adhésion. Les champs marqués d'un astérisque (*) sont obligatoires.</p>
      <form ref={formRef} onSubmit={onSubmit} noValidate>
        <FormAlert messages={errors.general} />
        <Field name="last_name" label="Nom" value={values.last_name} onInput={set("last_name")} error={f.last_name} autoComplete="family-name" required />
        <Field name="first_name" label="Prénom" value={values.first_name} onInput={set("first_name")} error={f.first_name} autoComplete="given-name" required />
        <Field name="birth_date" label="Date de naissance" type="date" value={values.birth_date} onInput={set("birth_date")} error={f.birth_date} autoComplete="bday" required />
        <Field name="contract_number" label="Numéro de contrat" value={values.contract_number} onInput={set("contract_number")} error={f.contract_number} inputMode="numeric" required />
        <Field name="email" label="Adresse e-mail" type="email" value={values.email} onInput={set("email")} error={f.email} autoComplete="email" required />
        <Field name="password" label="Mot de passe" type="password" value={values.password} onInput={set("password")} error={f.password} autoComplete="new-password" hint="Au moins 12 caractères ; évitez les mots de passe courants." required />
        <Field name="phone" label="Téléphone mobile" type="tel" value={values.phone} onInput={set("phone")} error={f.phone} autoComplete="tel" inputMode="tel" hint="Un numéro commençant par 06 ou 07." />
        <Submit busy={busy}>Créer mon espace</Submit>
      </form>
      <p>
        Déjà un espace ? <a href="/connexion">Me connecter</a>
      </p>
    </Page>
  );
}
