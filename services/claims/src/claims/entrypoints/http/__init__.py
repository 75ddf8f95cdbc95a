"""Claims's HTTP routers, in the order the app includes them."""

from claims.entrypoints.http import imports, privacy, statements

ROUTERS = [statements.router, imports.router, privacy.router]
