import { useEffect, useState } from "preact/hooks";
import { isSignedIn, subscribe } from "../api/session";

/** Re-renders when the tab signs in or out. */
export function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(isSignedIn());
  useEffect(() => subscribe(() => setSignedIn(isSignedIn())), []);
  return signedIn;
}
