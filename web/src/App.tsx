import type { ComponentType } from "preact";
import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from "preact-iso";
import { api } from "./api/client";
import { endSession } from "./api/session";
import { useSignedIn } from "./components/session";
import { PAGES } from "./pages";
import ComingSoon from "./pages/ComingSoon";
import NotFound from "./pages/NotFound";

// Each built page is its own chunk, loaded when first opened: the first page's weight does
// not grow with the number of pages (ADR 0014's budget).
const BUILT: Record<string, ComponentType> = {
  "/": lazy(() => import("./pages/Home")),
  "/inscription": lazy(() => import("./pages/SignUp")),
  "/confirmer-mon-compte": lazy(() => import("./pages/Confirm")),
  "/connexion": lazy(() => import("./pages/SignIn")),
  "/mot-de-passe-oublie": lazy(() => import("./pages/ForgottenPassword")),
  "/reinitialiser-mon-mot-de-passe": lazy(() => import("./pages/ResetPassword")),
  "/mon-compte": lazy(() => import("./pages/Profile")),
  "/mon-compte/securite": lazy(() => import("./pages/Security")),
  "/confirmer-ma-nouvelle-adresse": lazy(() => import("./pages/ConfirmNewEmail")),
  "/accepter-mon-invitation": lazy(() => import("./pages/AcceptInvitation")),
  "/activer-mon-compte": lazy(() => import("./pages/Activate")),
};

const ROUTES: { path: string; component: ComponentType }[] = PAGES.map((page) => ({
  path: page.path,
  component: page.built && BUILT[page.path] ? BUILT[page.path] : () => <ComingSoon title={page.title} />,
}));

function Header() {
  const signedIn = useSignedIn();
  const { route } = useLocation();

  async function signOut(): Promise<void> {
    try {
      await api("DELETE", "/v1/sessions/current", undefined, { auth: true });
    } catch {
      // Already ended on the server (expired, revoked): forgetting the tokens is what is left.
    }
    endSession();
    route("/connexion?deconnecte=1");
  }

  return (
    <header class="site-header">
      <a class="skip-link" href="#contenu">Aller au contenu</a>
      <div class="site-header__inner">
        <a class="brand" href="/">Espace adhérent</a>
        <nav aria-label="Menu principal">
          <ul>
            {signedIn ? (
              <>
                <li>
                  <a href="/mon-compte">Mon profil</a>
                </li>
                <li>
                  <a href="/mon-compte/securite">Ma sécurité</a>
                </li>
                <li>
                  <button type="button" class="link-button" onClick={() => void signOut()}>
                    Me déconnecter
                  </button>
                </li>
              </>
            ) : (
              <>
                <li>
                  <a href="/connexion">Me connecter</a>
                </li>
                <li>
                  <a href="/inscription">Créer mon espace</a>
                </li>
              </>
            )}
          </ul>
        </nav>
      </div>
    </header>
  );
}

export function App() {
  return (
    <LocationProvider>
      <Header />
      <main id="contenu" class="content">
        <ErrorBoundary>
          <Router>
            {ROUTES.map((r) => (
              <Route key={r.path} path={r.path} component={r.component} />
            ))}
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
      <footer class="site-footer">
        <p>Mutuelle – espace adhérent. Vos données sont protégées.</p>
      </footer>
    </LocationProvider>
  );
}
