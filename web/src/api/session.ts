// Tokens per ADR 0014: the access token only in memory, the refresh token in this tab's
// sessionStorage (no cookie, so nothing a cross-site request could carry). One refresh at a
// time: identity spends a refresh token at its first use and ends the session if it is
// presented again, so concurrent callers share the one refresh in flight.

const REFRESH_KEY = "memberspace.refresh";
const EARLY_MS = 60_000; // refresh when the access token has under a minute left

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

let accessToken: string | null = null;
let accessExpiresAt = 0;
let refreshing: Promise<string | null> | null = null;
const listeners = new Set<() => void>();

function storedRefresh(): string | null {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether this tab holds a session (an access token, or a refresh token to get one). */
export function isSignedIn(): boolean {
  return accessToken !== null || storedRefresh() !== null;
}

export function startSession(pair: TokenPair): void {
  accessToken = pair.access_token;
  accessExpiresAt = Date.now() + pair.expires_in * 1000;
  try {
    sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
  } catch {
    // Storage refused (private mode): the session lasts as long as the access token.
  }
  notify();
}

export function endSession(): void {
  accessToken = null;
  accessExpiresAt = 0;
  try {
    sessionStorage.removeItem(REFRESH_KEY);
  } catch {
    // nothing stored
  }
  notify();
}

/** A new token pair from the stored refresh token; null (and signed out) when refused. */
export function refresh(): Promise<string | null> {
  if (refreshing) return refreshing;
  const token = storedRefresh();
  if (!token) return Promise.resolve(null);
  refreshing = (async () => {
    try {
      const response = await fetch("/v1/sessions/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!response.ok) {
        // 401: unknown, expired or reused; the session is over. Other answers: try later.
        if (response.status === 401 || response.status === 422) endSession();
        return null;
      }
      startSession((await response.json()) as TokenPair);
      return accessToken;
    } catch {
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** An access token valid for at least a minute, refreshing first when needed. */
export async function currentAccessToken(): Promise<string | null> {
  if (accessToken && Date.now() < accessExpiresAt - EARLY_MS) return accessToken;
  return refresh();
}
