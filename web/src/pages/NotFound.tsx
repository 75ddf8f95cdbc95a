import { Page } from "../components/Page";

export default function NotFound() {
  return (
    <Page title="Page introuvable">
      <p>Cette adresse ne correspond à aucune page de votre espace.</p>
      <p>
        <a href="/">Retour à l'accueil</a>
      </p>
    </Page>
  );
}
