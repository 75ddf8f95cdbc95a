// « Mes données » (ID-11): the export of everything the platform holds, and the account's deletion.
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { formErrors } from "../api/problem";
import { endSession } from "../api/session";
import { Field, FormAlert, useForm } from "../components/form";

export function MyData() {
  const { route } = useLocation();
  const [exportErrors, setExportErrors] = useState<string[]>([]);
  const [exporting, setExporting] = useState(false);
  const [password, setPassword] = useState("");
  const remove = useForm(["password"]);

  async function download(): Promise<void> {
    setExporting(true);
    setExportErrors([]);
    try {
      const data = await api<unknown>("GET", "/v1/me/export", undefined, { auth: true });
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = "mes-donnees.json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setExportErrors(formErrors(error, []).general);
    } finally {
      setExporting(false);
    }
  }

  function onDelete(event: Event): void {
    event.preventDefault();
    void remove.submit(async () => {
      await api("DELETE", "/v1/me", { password }, { auth: true });
      endSession();
      route("/?compte-supprime=1");
    });
  }

  return (
    <section aria-labelledby="mes-donnees">
      <h2 id="mes-donnees">Mes données</h2>
      <p>Téléchargez tout ce que nous conservons à votre sujet, dans un fichier JSON.</p>
      <FormAlert messages={exportErrors} />
      <p>
        <button type="button" class="button button--secondary" onClick={() => void download()} disabled={exporting}>
          {exporting ? "Patientez…" : "Télécharger mes données"}
        </button>
      </p>
      <h3>Supprimer mon espace</h3>
      <p>La suppression est définitive : vous ne pourrez plus vous connecter et vos données personnelles seront effacées, sauf celles que la loi nous oblige à conserver.</p>
      <form ref={remove.formRef} onSubmit={onDelete} noValidate>
        <FormAlert messages={remove.errors.general} />
        <Field name="password" label="Mot de passe, pour confirmer la suppression" type="password" value={password} onInput={setPassword} error={remove.errors.fields.password} autoComplete="current-password" required />
        <button type="submit" class="button button--danger" disabled={remove.busy}>
          {remove.busy ? "Patientez…" : "Supprimer définitivement mon espace"}
        </button>
      </form>
    </section>
  );
}
