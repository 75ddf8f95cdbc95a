"""Claims's HTTP routers, in the order the app includes them."""

from claims.entrypoints.http import backoffice, claims, home, imports, privacy, statements

ROUTERS = [statements.router, imports.router, claims.router, backoffice.router, privacy.router, home.router]
