// One page's frame: its h1 (focused when the page opens, so a screen reader announces it)
// and the document's title.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

const SITE = "Espace adhérent";

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} – ${SITE}`;
    heading.current?.focus();
  }, [title]);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </>
  );
}

export function queryParam(name: string): string {
  return new URLSearchParams(window.location.search).get(name) ?? "";
}

/** The single-use token of an emailed link, read once; the address bar (and so the history) then
 * keeps the page without it. */
export function useLinkToken(): string {
  const [token] = useState(() => queryParam("token"));
  useEffect(() => {
    if (token) window.history.replaceState(window.history.state, "", window.location.pathname);
  }, [token]);
  return token;
}
