// The pages of web/pages.json (the gateway serves index.html for exactly these paths).
import declared from "../pages.json";

export interface PageDeclaration {
  path: string;
  title: string;
  built: boolean;
}

export const PAGES: PageDeclaration[] = declared.pages;
