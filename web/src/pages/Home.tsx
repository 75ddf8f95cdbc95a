import { Notice } from "../components/form";
import { Page, queryParam } from "../components/Page";
import { useSignedIn } from "../components/session";

export default function Home() {
  const signedIn = useSignedIn();
  return (
    <Page title="Bienvenue dans votre espace adhérent">
      {queryParam("compte-supprime") === "1" && (
        <Notice>
          <p>Votre espace est supprimé. Merci de votre confiance.</p>
        </Notice>
      )}
      <p>Consultez vos contrats et vos remboursements, gérez vos coordonnées et suivez vos demandes.</p>
      {signedIn ? (
        <p>
          <a class="button" href="/mon-compte">Mon profil</a>
        </p>
      ) : (
        <ul class="actions">
          <li>
            <a class="button" href="/connexion">Me connecter</a>
          </li>
          <li>
            <a class="button button--secondary" href="/inscription">Créer mon espace</a>
          </li>
        </ul>
      )}
    </Page>
  );
}
