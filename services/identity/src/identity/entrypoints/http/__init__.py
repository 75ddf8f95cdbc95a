"""Identity's HTTP routers, in the order the app includes them."""

from identity.entrypoints.http import (
    accounts, linked_accounts, me, passwords, privacy, professional, service_tokens, sessions, two_factor,
)

ROUTERS = [accounts.router, sessions.router, me.router, passwords.router, two_factor.router,
           privacy.router, linked_accounts.router, service_tokens.router, professional.router]
