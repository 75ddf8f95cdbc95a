"""Identity's refusals: each a kind of ms_platform.errors with the code clients switch on.

The entry points render them as problem+json (the platform's app factory installs the handler);
the codes, titles and French details are public, so they never change once published.
Refusals raised from several places carry their wording here, so it cannot drift.
"""

from __future__ import annotations

from ms_platform.errors import (
    Conflict, InvalidInput, Missing, NotPermitted, Refused, Throttled, Unauthenticated, Unavailable,
)


# Sign-up and confirmation


class InvalidContractNumber(InvalidInput):
    """The contract number does not have the registry's format (same code as bad input)."""

    def __init__(self) -> None:
        super().__init__("contract_number : numéro de contrat invalide.", field="contract_number")


class PasswordRefused(InvalidInput):
    """The password breaks the policy; every reason is listed, each on the field at fault."""

    code = "password-policy"
    title = "Password refused"

    def __init__(self, reasons: list[str], *, field: str) -> None:
        super().__init__(" ".join(reasons), field=field,
                         errors=[{"field": field, "message": r} for r in reasons])


class ContractNotVerified(InvalidInput):
    """No contract in force matches the holder's details (which detail is wrong is not told)."""

    code = "contract-not-verified"
    title = "Contract not verified"

    def __init__(self) -> None:
        super().__init__(
            "Nous ne retrouvons pas de contrat en cours de validité correspondant à ces informations. "
            "Vérifiez votre nom, votre date de naissance et votre numéro de contrat tels qu'ils figurent "
            "sur votre carte de tiers payant.")


class ContractAlreadyRegistered(Conflict):
    code = "contract-already-registered"
    title = "Contract already registered"

    def __init__(self) -> None:
        super().__init__("Un espace adhérent existe déjà pour ce contrat. Connectez-vous ou utilisez "
                         "« Mot de passe oublié ».", field="contract_number")


class EmailAlreadyUsed(Conflict):
    code = "email-already-used"
    title = "Email already used"


class InvalidConfirmationLink(Refused):
    """Unknown, used or expired confirmation token: one answer for all three."""

    code = "confirmation-token-invalid"
    title = "Invalid confirmation link"

    def __init__(self) -> None:
        super().__init__("Ce lien de confirmation n'est pas valide ou a expiré.", field="token")


class InvalidActivationLink(Refused):
    """Unknown, used or expired activation link or letter code (ID-13): one answer for all three."""

    code = "activation-token-invalid"
    title = "Invalid activation link"

    def __init__(self) -> None:
        super().__init__("Ce lien ou ce code d'activation n'est pas valide ou a expiré. Contactez votre "
                         "employeur ou nos conseillers pour en recevoir un nouveau.", field="token")


class ActivationEmailRequired(InvalidInput):
    """An employee activating with a letter's code gives the address their space will use."""

    code = "email-required"
    title = "Email required"

    def __init__(self) -> None:
        super().__init__("Indiquez l'adresse e-mail de votre espace : un lien de confirmation y sera envoyé.",
                         field="email")


class InvalidEmailChangeLink(Refused):
    code = "email-change-token-invalid"
    title = "Invalid confirmation link"

    def __init__(self) -> None:
        super().__init__("Ce lien de confirmation n'est pas valide ou a expiré.", field="token")


# Sign-in and sessions


class InvalidCredentials(Unauthenticated):
    """Wrong identifier or password, or an account that may not sign in: one answer for all."""

    code = "invalid-credentials"
    title = "Invalid credentials"
    bearer_challenge = False

    def __init__(self) -> None:
        super().__init__("Identifiant ou mot de passe incorrect.")


class InvalidRefreshToken(Unauthenticated):
    code = "invalid-refresh-token"
    title = "Invalid refresh token"
    bearer_challenge = False


class TooManyAttempts(Throttled):
    code = "too-many-attempts"
    title = "Too many attempts"

    SIGN_IN = "Trop de tentatives de connexion. Réessayez plus tard ou utilisez « Mot de passe oublié »."
    # A password or code asked again behind a token (password change, deletion, turning 2FA off).
    CHECK = ("Trop de tentatives avec un mot de passe ou un code incorrect. Réessayez plus tard ou utilisez "
             "« Mot de passe oublié ».")


class AccountNotConfirmed(NotPermitted):
    code = "account-not-confirmed"
    title = "Account not confirmed"


class ChallengeExpired(Unauthenticated):
    """The second-factor challenge is unknown, used or expired: sign in again (plain 401)."""


class InvalidSecondFactor(Unauthenticated):
    """A wrong code at sign-in: the sign-in fails (401), unlike a wrong code in the settings."""

    code = "invalid-second-factor"
    title = "Invalid code"
    bearer_challenge = False


# Passwords, two-factor settings, linked accounts, profile


class WrongPassword(InvalidInput):
    """The member's own password, asked again before a sensitive change, is wrong."""

    code = "invalid-password"
    title = "Invalid password"

    WORDING = {"current_password": "Mot de passe actuel incorrect.", "password": "Mot de passe incorrect."}


class InvalidResetLink(Refused):
    code = "reset-token-invalid"
    title = "Invalid reset link"

    def __init__(self) -> None:
        super().__init__("Ce lien de réinitialisation n'est pas valide ou a expiré. Demandez-en un nouveau.",
                         field="token")


class InvalidCode(InvalidInput):
    """A wrong or expired code while changing two-factor settings: the field to fix (422)."""

    code = "invalid-second-factor"
    title = "Invalid code"

    def __init__(self) -> None:
        super().__init__("Code incorrect ou expiré.", field="code")


class TwoFactorUnavailable(Unavailable):
    """No key to store TOTP secrets is configured: retrying soon will not help."""

    code = "two-factor-unavailable"
    title = "Two-factor unavailable"
    retry_after_s = None


class PhoneRequired(InvalidInput):
    code = "phone-required"
    title = "Phone required"


class TwoFactorNotEnabled(Conflict):
    code = "two-factor-not-enabled"
    title = "Two-factor not enabled"

    def __init__(self) -> None:
        super().__init__("La double authentification n'est pas activée.")


class LinkNotAllowed(InvalidInput):
    code = "link-not-allowed"
    title = "Link not allowed"


class LinkSameCategory(InvalidInput):
    code = "link-same-category"
    title = "Same category"


class LinkedAccountNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (linked-account).")


# Professional users: employer users (issue 15) and broker firms (ID-14)


class InvalidInvitationLink(Refused):
    """Unknown, used or expired invitation link: one answer for all three."""

    code = "invitation-token-invalid"
    title = "Invalid invitation link"

    def __init__(self) -> None:
        super().__init__("Ce lien d'invitation n'est pas valide ou a expiré. Demandez à l'administrateur de votre "
                         "espace de vous inviter à nouveau.", field="token")


class CompanyNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (company).")


class BrokerFirmNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (broker-firm).")


class ProfessionalUserNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (user).")


class AdminRequired(NotPermitted):
    code = "admin-required"
    title = "Admin required"

    def __init__(self) -> None:
        super().__init__("Seul un administrateur de l'espace peut faire cela.")


class OriasAlreadyRegistered(Conflict):
    code = "orias-already-registered"
    title = "ORIAS number already registered"

    def __init__(self) -> None:
        super().__init__("Un cabinet est déjà enregistré avec ce numéro ORIAS.", field="orias")


class InvalidBrokerAccess(InvalidInput):
    code = "invalid-broker-access"
    title = "Invalid access"


class LastAdmin(Conflict):
    code = "last-admin"
    title = "Last admin"

    def __init__(self) -> None:
        super().__init__("Vous ne pouvez pas supprimer votre propre accès : un autre administrateur doit le faire.")
