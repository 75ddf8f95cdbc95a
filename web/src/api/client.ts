// The only way the client talks to the platform: same-origin calls to the public API through
// the gateway, JSON in and out, problem+json turned into ApiError.
import { ApiError, type ProblemBody } from "./problem";
import { currentAccessToken, endSession, refresh } from "./session";

export interface ApiOptions {
  /** Send the session's access token (refreshing it when needed). */
  auth?: boolean;
}

async function send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function problemOf(response: Response): Promise<ProblemBody> {
  try {
    return (await response.json()) as ProblemBody;
  } catch {
    return { status: response.status, detail: `Erreur ${response.status}.` };
  }
}

function bearerRefused(response: Response): boolean {
  return (response.headers.get("WWW-Authenticate") ?? "").toLowerCase().startsWith("bearer");
}

export async function api<T>(method: string, path: string, body?: unknown, options: ApiOptions = {}): Promise<T> {
  let token: string | null = null;
  if (options.auth) {
    token = await currentAccessToken();
    if (!token) throw new ApiError(401, { status: 401, detail: "Votre session a pris fin. Veuillez vous reconnecter." });
  }
  let response = await send(method, path, body, token);
  if (options.auth && response.status === 401 && bearerRefused(response)) {
    // The access token may have been ended early (changed access, revoked): one refresh, one retry.
    // A 401 without a Bearer challenge refuses what was sent (another account's password), not the token.
    token = await refresh();
    if (token) response = await send(method, path, body, token);
    if (!token || response.status === 401) {
      endSession();
      throw new ApiError(401, { status: 401, detail: "Votre session a pris fin. Veuillez vous reconnecter." });
    }
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
