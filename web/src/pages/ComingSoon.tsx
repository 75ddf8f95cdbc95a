import { Page } from "../components/Page";

/** A page the emails link to whose journey the web client does not offer yet. */
export default function ComingSoon({ title }: { title: string }) {
  return (
    <Page title={title}>
      <p>Cette page n'est pas encore disponible dans l'espace en ligne. Pour toute question, contactez votre conseiller.</p>
      <p>
        <a href="/">Retour à l'accueil</a>
      </p>
    </Page>
  );
}
