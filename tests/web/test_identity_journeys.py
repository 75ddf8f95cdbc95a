"""Issue 17's first journeys in a real browser, through the gateway: sign-up, the confirmation
link of the mail, sign-in by member number or email (with a second factor), the profile, the
forgotten password's link, sign-out. Every page passes axe-core (WCAG 2.1 AA) and is screenshotted."""

from __future__ import annotations

import json
import re
import urllib.parse

import pyotp
import pytest
from playwright.async_api import Page, expect

from e2e_support import (GATEWAY, PASSWORD, ROOT, consumer_lag, sign_up_and_confirm, sign_up_body, unique_email,
                         unique_mobile, wait_until)

pytestmark = pytest.mark.e2e

PAGES = json.loads((ROOT / "web" / "pages.json").read_text(encoding="utf-8"))["pages"]
NEW_PASSWORD = "Glycine-Portail#4827"


def mail_link(message, path: str) -> str:
    """The link of ``path`` in a mail's text part, as the person would click it."""
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://\S+" + re.escape(path) + r"\?token=\S+", body)
    assert match, f"no {path} link in the mail"
    return match.group(0)


async def fill(page: Page, label: str, value: str) -> None:
    await page.get_by_label(label, exact=False).first.fill(value)


async def test_a_person_signs_up_follows_the_mail_link_signs_in_by_member_number_and_edits_the_profile(
        page, api, registry, mailbox, review):
    [member] = await registry.register()
    address = unique_email("web")
    await page.goto("/")
    await review(page, "accueil")
    await page.get_by_role("link", name="Créer mon espace").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Créer mon espace")
    await review(page, "inscription")
    await fill(page, "Nom", member["last_name"])
    await fill(page, "Prénom", member["first_name"])
    await fill(page, "Date de naissance", member["birth_date"])
    await fill(page, "Numéro de contrat", member["contract_number"])
    await fill(page, "Adresse e-mail", address)
    await fill(page, "Mot de passe", PASSWORD)
    await page.get_by_role("button", name="Créer mon espace").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    await expect(page.get_by_role("status")).to_contain_text(address)
    await review(page, "inscription-envoyee")

    link = mail_link(await mailbox.wait_for(address), "/confirmer-mon-compte")
    assert link.startswith(GATEWAY + "/confirmer-mon-compte?token=")
    await page.goto(link)
    await expect(page.get_by_role("status")).to_contain_text("Votre adresse e-mail est confirmée")
    await expect(page).to_have_url(GATEWAY + "/confirmer-mon-compte")  # the used token leaves the history
    await review(page, "confirmer-mon-compte")

    await page.get_by_role("main").get_by_role("link", name="Me connecter").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Me connecter")
    await review(page, "connexion")
    await fill(page, "Adresse e-mail ou numéro d'adhérent", member["member_number"])
    await fill(page, "Mot de passe", PASSWORD)
    await page.get_by_role("button", name="Me connecter").click()
    await expect(page).to_have_url(GATEWAY + "/mon-compte")
    main = page.get_by_role("main")
    await expect(main).to_contain_text(f"{member['first_name']} {member['last_name']}")
    await expect(main).to_contain_text(member["member_number"])
    await expect(main).to_contain_text(member["contract_number"])
    await review(page, "mon-compte")  # (waits for the network to be idle: the profile is loaded)

    mobile = unique_mobile()
    await fill(page, "Téléphone mobile", mobile)
    await fill(page, "Numéro et voie", "12 rue des Tilleuls")
    await fill(page, "Code postal", "44000")
    await fill(page, "Ville", "Nantes")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_have_text("Vos coordonnées sont enregistrées.")
    await page.reload()  # the refresh token of the tab brings the session back; the server kept the change
    await expect(page.get_by_label("Ville")).to_have_value("Nantes")
    await expect(page.get_by_label("Téléphone mobile")).to_have_value(mobile)
    session = await api.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    me = (await api.get("/v1/me", headers={"Authorization": f"Bearer {session.json()['access_token']}"})).json()
    assert me["phone"] == mobile and me["address"]["city"] == "Nantes" and me["address"]["postcode"] == "44000"

    await page.get_by_role("button", name="Me déconnecter").click()
    await expect(page).to_have_url(GATEWAY + "/connexion?deconnecte=1")
    await expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
    assert await page.evaluate("sessionStorage.length") == 0  # the refresh token is forgotten
    await page.goto("/mon-compte")
    await expect(page.get_by_role("main")).to_contain_text("Vous n'êtes pas connecté")


async def test_a_forgotten_password_is_reset_from_the_mail_link_and_the_new_one_signs_in_by_email(
        page, api, registry, mailbox, review):
    [member] = await registry.register()
    address = unique_email("web-reset")
    await sign_up_and_confirm(api, mailbox, member, address)
    await page.goto("/connexion")
    await page.get_by_role("link", name="Mot de passe oublié ?").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    await review(page, "mot-de-passe-oublie")
    await fill(page, "Adresse e-mail", address)
    await page.get_by_role("button", name="Recevoir le lien").click()
    await expect(page.get_by_role("status")).to_contain_text("Si un compte correspond à cette adresse")
    await review(page, "mot-de-passe-oublie-envoye")

    async def reset_mail():
        for message in mailbox.messages_to(address):
            if "/reinitialiser-mon-mot-de-passe?token=" in message.get_body(("plain",)).get_content():
                return message
        return None

    link = mail_link(await wait_until(reset_mail, 30, what="the reset mail"), "/reinitialiser-mon-mot-de-passe")
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    await expect(page).to_have_url(GATEWAY + "/reinitialiser-mon-mot-de-passe")  # the token leaves the address bar
    await review(page, "reinitialiser-mon-mot-de-passe")
    await fill(page, "Nouveau mot de passe", NEW_PASSWORD)
    await fill(page, "Confirmez le nouveau mot de passe", NEW_PASSWORD)
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_contain_text("Votre mot de passe est changé")
    await review(page, "reinitialiser-mon-mot-de-passe-fait")

    await page.get_by_role("main").get_by_role("link", name="Me connecter").click()
    await fill(page, "Adresse e-mail ou numéro d'adhérent", address)
    await fill(page, "Mot de passe", NEW_PASSWORD)
    await page.get_by_role("button", name="Me connecter").click()
    await expect(page).to_have_url(GATEWAY + "/mon-compte")
    await expect(page.get_by_role("main")).to_contain_text(address)
    old = await api.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert old.status_code == 401  # the old password no longer signs in


async def test_sign_in_asks_for_the_second_factor_when_the_account_has_one_and_a_totp_code_completes_it(
        page, api, registry, mailbox, review):
    [member] = await registry.register()
    address = unique_email("web-2fa")
    token = await sign_up_and_confirm(api, mailbox, member, address)
    auth = {"Authorization": f"Bearer {token}"}
    started = (await api.post("/v1/me/two-factor/totp", headers=auth)).json()
    totp = pyotp.TOTP(started["secret"])
    assert (await api.post("/v1/me/two-factor/totp/confirm", headers=auth, json={"code": totp.now()})).status_code == 200

    await page.goto("/connexion")
    await fill(page, "Adresse e-mail ou numéro d'adhérent", address)
    await fill(page, "Mot de passe", PASSWORD)
    await page.get_by_role("button", name="Me connecter").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérification en deux étapes")
    await review(page, "connexion-deux-etapes")
    await fill(page, "Code de votre application d'authentification", "000000")
    await page.get_by_role("button", name="Valider").click()
    code = page.locator("#champ-code")
    await expect(code).to_have_attribute("aria-invalid", "true")  # a wrong code is refused on its field
    await expect(page.locator("#champ-code-erreur")).not_to_be_empty()
    await fill(page, "Code de votre application d'authentification", totp.now())
    await page.get_by_role("button", name="Valider").click()
    await expect(page).to_have_url(GATEWAY + "/mon-compte")
    await expect(page.get_by_role("main")).to_contain_text(address)


async def test_each_api_problem_shows_its_french_detail_next_to_the_field_it_names(page, api, registry, review):
    [member] = await registry.register()
    address = unique_email("web-refused")
    weak = "court"
    # What the API answers for the same input: the browser must show exactly these words, in place.
    answer = await api.post("/v1/accounts", json=sign_up_body(member, address, password=weak))
    assert answer.status_code in (400, 422) and answer.headers["content-type"].startswith("application/problem+json")
    expected = {e["field"]: e["message"] for e in reversed(answer.json().get("errors") or [])}
    assert "password" in expected, answer.json()

    await page.goto("/inscription")
    await fill(page, "Nom", member["last_name"])
    await fill(page, "Prénom", member["first_name"])
    await fill(page, "Date de naissance", member["birth_date"])
    await fill(page, "Numéro de contrat", member["contract_number"])
    await fill(page, "Adresse e-mail", address)
    await fill(page, "Mot de passe", weak)
    await page.get_by_role("button", name="Créer mon espace").click()
    password = page.locator("#champ-password")
    await expect(password).to_have_attribute("aria-invalid", "true")
    await expect(password).to_be_focused()
    described = await password.get_attribute("aria-describedby")
    error_id = next(i for i in described.split() if i.endswith("-erreur"))
    await expect(page.locator(f"#{error_id}")).to_contain_text(expected["password"])
    await review(page, "inscription-refusee")

    # A rule of the back end on another field: an unknown contract is named on the contract's field.
    unknown = await api.post("/v1/accounts", json=sign_up_body(member, address, contract_number="000000x"))
    problem = unknown.json()
    field = problem.get("field") or problem["errors"][0]["field"]
    message = {e["field"]: e["message"] for e in problem.get("errors") or []}.get(field, problem["detail"])
    await fill(page, "Numéro de contrat", "000000x")
    await fill(page, "Mot de passe", PASSWORD)
    await page.get_by_role("button", name="Créer mon espace").click()
    target = page.locator(f"#champ-{field.replace('.', '-')}")
    await expect(target).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(f"#champ-{field.replace('.', '-')}-erreur")).to_contain_text(message)


@pytest.mark.parametrize("declared", PAGES, ids=[p["path"] for p in PAGES])
async def test_every_declared_page_opens_from_its_address_with_its_title(page, declared, review):
    response = await page.goto(declared["path"])
    assert response is not None and response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    heading = page.get_by_role("heading", level=1)
    if declared["path"] == "/":
        await expect(heading).not_to_be_empty()
    else:
        await expect(heading).to_have_text(declared["title"])
    name = declared["path"].strip("/").replace("/", "-") or "accueil"
    await review(page, f"page-{name}")


async def test_a_path_that_is_no_page_stays_the_gateways_problem_json_404(api):
    for path in ("/nothing/here", "/connexion/", "/assets/absent.js"):
        r = await api.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", path
    page_answer = await api.get("/reinitialiser-mon-mot-de-passe", params={"token": urllib.parse.quote("a/b+c")})
    assert page_answer.status_code == 200 and page_answer.headers["cache-control"] == "no-store"
    asset = re.search(r'src="(/assets/[^"]+\.js)"', page_answer.text).group(1)
    cached = await api.get(asset)
    assert cached.status_code == 200 and "immutable" in cached.headers["cache-control"]
    assert cached.headers["content-type"].startswith("application/javascript")
    assert cached.headers["content-encoding"] == "gzip"  # compressed on the way (the budget counts it so)


async def test_a_new_email_chosen_in_the_profile_is_confirmed_by_the_link_sent_to_it(
        page, api, registry, mailbox, review):
    [member] = await registry.register()
    address, new_address = unique_email("web-old"), unique_email("web-new")
    await sign_up_and_confirm(api, mailbox, member, address)
    await page.goto("/connexion")
    await fill(page, "Adresse e-mail ou numéro d'adhérent", address)
    await fill(page, "Mot de passe", PASSWORD)
    await page.get_by_role("button", name="Me connecter").click()
    await expect(page).to_have_url(GATEWAY + "/mon-compte")
    await page.wait_for_load_state("networkidle")  # the profile is loaded: what we type is not replaced
    email = page.get_by_label("Adresse e-mail")
    await email.fill(new_address)
    await expect(email).to_have_value(new_address)
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_contain_text(new_address)

    link = mail_link(await mailbox.wait_for(new_address), "/confirmer-ma-nouvelle-adresse")
    await page.goto(link)
    await expect(page.get_by_role("status")).to_contain_text(f"Votre nouvelle adresse {new_address} est confirmée")
    await review(page, "confirmer-ma-nouvelle-adresse")
    signed_in = await api.post("/v1/sessions", json={"identifier": new_address, "password": PASSWORD})
    assert signed_in.status_code == 201


async def test_an_invited_employer_user_chooses_a_password_from_the_mail_link_and_signs_in(
        page, api, registry, mailbox, review):
    from test_31_professional_invitations import random_siren

    operator = await registry.operator()
    siren = random_siren()
    r = await api.post("/v1/companies", headers=operator, json={
        "siren": siren, "name": f"Menuiserie {siren}", "notice_email": f"rh-{siren}@entreprise.example"})
    assert r.status_code == 201, r.text

    async def company_known():  # identity names the company in the invitation from affiliation's event
        journal = await api.get(f"/v1/companies/{siren}/journal", headers=operator)
        return journal.status_code == 200 and bool(journal.json()) and \
            await consumer_lag("identity", "affiliation.company.v1") == 0

    await wait_until(company_known, timeout=60, interval=1, what="identity's worker to read the company")
    address = unique_email("web-rh", "entreprise.example")
    invited = await api.post(f"/v1/company-users/{siren}", headers=operator, json={
        "email": address, "first_name": "Estelle", "last_name": "Durand", "role": "admin"})
    assert invited.status_code == 201, invited.text

    link = mail_link(await mailbox.wait_for(address, timeout=60), "/accepter-mon-invitation")
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Accepter mon invitation")
    await review(page, "accepter-mon-invitation")
    await fill(page, "Mot de passe", NEW_PASSWORD)
    await fill(page, "Confirmez le mot de passe", NEW_PASSWORD)
    await page.get_by_role("button", name="Accepter l'invitation").click()
    await expect(page.get_by_role("status")).to_contain_text(address)
    await page.get_by_role("main").get_by_role("link", name="Me connecter").click()
    await fill(page, "Adresse e-mail ou numéro d'adhérent", address)
    await fill(page, "Mot de passe", NEW_PASSWORD)
    await page.get_by_role("button", name="Me connecter").click()
    await expect(page).to_have_url(GATEWAY + "/mon-compte")
    await expect(page.get_by_role("main")).to_contain_text(address)


async def test_an_affiliated_employee_activates_the_space_from_the_mail_link_and_signs_in(
        page, api, registry, mailbox, review):
    from test_28_affiliation_activation import affiliate, company_with_employer

    company = await company_with_employer(api, await registry.operator())
    address = unique_email("web-salarie")
    await affiliate(api, company, address)
    link = mail_link(await mailbox.wait_for(address, timeout=60), "/activer-mon-compte")
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Activer mon espace")
    await expect(page.get_by_label("Code d'activation")).to_have_count(0)  # the link carries it
    await review(page, "activer-mon-compte")
    await fill(page, "Mot de passe", NEW_PASSWORD)
    await fill(page, "Confirmez le mot de passe", NEW_PASSWORD)
    await page.get_by_role("button", name="Activer mon espace").click()
    await expect(page.get_by_role("status")).to_have_text("Votre espace est activé.")
    await page.get_by_role("main").get_by_role("link", name="Me connecter").click()
    await fill(page, "Adresse e-mail ou numéro d'adhérent", address)
    await fill(page, "Mot de passe", NEW_PASSWORD)
    await page.get_by_role("button", name="Me connecter").click()
    await expect(page).to_have_url(GATEWAY + "/mon-compte")
    await expect(page.get_by_role("main")).to_contain_text(address)


async def sign_in_in_the_browser(page: Page, identifier: str, password: str) -> None:
    await page.goto("/connexion")
    await fill(page, "Adresse e-mail ou numéro d'adhérent", identifier)
    await fill(page, "Mot de passe", password)
    await page.get_by_role("button", name="Me connecter").click()
    await expect(page).to_have_url(GATEWAY + "/mon-compte")
    await page.wait_for_load_state("networkidle")


async def test_the_security_page_changes_the_password_turns_on_totp_and_lists_the_activity(
        page, api, registry, mailbox, review):
    [member] = await registry.register()
    address = unique_email("web-secu")
    await sign_up_and_confirm(api, mailbox, member, address)
    await sign_in_in_the_browser(page, address, PASSWORD)
    await page.get_by_role("navigation").get_by_role("link", name="Ma sécurité").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ma sécurité")
    await expect(page.get_by_role("table")).to_contain_text("Connexion")
    await review(page, "mon-compte-securite")

    await page.get_by_label("Mot de passe actuel").fill("Pas-le-bon#0000")
    await page.get_by_label("Nouveau mot de passe").first.fill(NEW_PASSWORD)
    await page.get_by_label("Confirmez le nouveau mot de passe").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Changer mon mot de passe").click()
    current = page.locator("#champ-current_password")
    await expect(current).to_have_attribute("aria-invalid", "true")  # the API's refusal, on its field
    await expect(page.locator("#champ-current_password-erreur")).not_to_be_empty()
    await current.fill(PASSWORD)
    await page.get_by_role("button", name="Changer mon mot de passe").click()
    await expect(page.get_by_role("status").first).to_contain_text("Votre mot de passe est changé")

    await page.get_by_role("button", name="Activer avec une application d'authentification").click()
    secret = (await page.locator("code.secret").inner_text()).strip()
    await page.get_by_label("Code affiché par l'application").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Confirmer").click()
    await expect(page.locator(".codes li")).to_have_count(10)  # the recovery codes, shown once
    await expect(page.get_by_role("main")).to_contain_text("Activée (application d'authentification)")
    await review(page, "mon-compte-securite-deux-etapes")
    second = await api.post("/v1/sessions", json={"identifier": address, "password": NEW_PASSWORD})
    assert second.status_code == 202 and second.json()["second_factor_required"] is True


async def test_the_profile_downloads_the_persons_data_and_deletes_the_account_with_the_password(
        page, api, registry, mailbox, review):
    [member] = await registry.register()
    address = unique_email("web-rgpd")
    await sign_up_and_confirm(api, mailbox, member, address)
    await sign_in_in_the_browser(page, address, PASSWORD)
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Télécharger mes données").click()
    download = await download_info.value
    assert download.suggested_filename == "mes-donnees.json"
    exported = json.loads((await download.path()).read_text(encoding="utf-8"))
    assert address in json.dumps(exported, ensure_ascii=False)

    field = page.get_by_label("Mot de passe, pour confirmer la suppression")
    await field.fill("Pas-le-bon#0000")
    await page.get_by_role("button", name="Supprimer définitivement mon espace").click()
    await expect(page.locator("#champ-password")).to_have_attribute("aria-invalid", "true")
    await review(page, "mon-compte-suppression-refusee")
    await field.fill(PASSWORD)
    await page.get_by_role("button", name="Supprimer définitivement mon espace").click()
    await expect(page.get_by_role("status")).to_have_text("Votre espace est supprimé. Merci de votre confiance.")
    assert await page.evaluate("sessionStorage.length") == 0
    gone = await api.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert gone.status_code == 401


async def test_a_member_links_the_space_of_another_category_from_the_profile_and_separates_them_again(
        page, api, registry, mailbox, review):
    [health] = await registry.register()
    [provident] = await registry._fresh_members(1, True)
    provident.update(category="prevoyance", product_code="PREVOYANCE-SERENITE")
    imported = await api.post("/v1/contract-imports", json={"members": [provident]}, headers=await registry.operator())
    assert imported.status_code == 200 and imported.json()["refused"] == [], imported.text
    address, other_address = unique_email("web-sante"), unique_email("web-prevoyance")
    await sign_up_and_confirm(api, mailbox, health, address)
    await sign_up_and_confirm(api, mailbox, provident, other_address)

    await sign_in_in_the_browser(page, address, PASSWORD)
    await page.get_by_label("E-mail ou numéro d'adhérent de l'autre espace").fill(other_address)
    await page.get_by_label("Mot de passe de l'autre espace").fill("Pas-le-bon#0000")
    await page.get_by_role("button", name="Réunir les espaces").click()
    refused = await api.post("/v1/sessions", json={"identifier": other_address, "password": "Pas-le-bon#0000"})
    # A wrong password is refused with the API's words, and the person stays signed in.
    await expect(page.get_by_role("main").get_by_role("alert")).to_have_text(refused.json()["detail"])
    await expect(page.get_by_role("button", name="Me déconnecter")).to_be_visible()
    await page.get_by_label("Mot de passe de l'autre espace").fill(PASSWORD)
    await page.get_by_role("button", name="Réunir les espaces").click()
    await expect(page.get_by_role("status")).to_have_text("Les deux espaces sont réunis.")
    linked = page.locator("ul.linked li")
    await expect(linked).to_have_count(1)
    await expect(linked).to_contain_text(f"Prévoyance — adhérent n° {provident['member_number']}")
    await review(page, "mon-compte-comptes-reunis")

    await page.get_by_role("button", name="Séparer l'espace Prévoyance").click()
    await expect(page.get_by_role("status")).to_have_text("Les espaces sont à nouveau séparés.")
    await expect(linked).to_have_count(0)


async def test_an_expired_or_used_confirmation_link_says_so_and_a_new_link_is_sent_to_a_pending_address(
        page, api, registry, mailbox, review):
    [member] = await registry.register()
    address = unique_email("web-relink")
    assert (await api.post("/v1/accounts", json=sign_up_body(member, address))).status_code == 201
    first = mail_link(await mailbox.wait_for(address), "/confirmer-mon-compte")
    refused = await api.post("/v1/accounts/confirm", json={"token": "x" * 40})
    await page.goto("/confirmer-mon-compte?token=" + "x" * 40)
    await expect(page.get_by_role("alert")).to_have_text(refused.json()["detail"])
    await review(page, "confirmer-mon-compte-refuse")
    await page.get_by_label("Adresse e-mail de votre espace").fill(address)
    await page.get_by_role("button", name="Recevoir un nouveau lien").click()
    await expect(page.get_by_role("status")).to_contain_text("un nouveau lien")

    async def second_link():
        links = [mail_link(m, "/confirmer-mon-compte") for m in mailbox.messages_to(address)
                 if "/confirmer-mon-compte?token=" in m.get_body(("plain",)).get_content()]
        return next((link for link in links if link != first), None)

    await page.goto(await wait_until(second_link, 30, what="the new confirmation mail"))
    await expect(page.get_by_role("status")).to_contain_text("Votre adresse e-mail est confirmée")
