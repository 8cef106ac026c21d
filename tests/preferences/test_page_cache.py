"""The preference page is rendered once for everyone whose page shows the same and then filled in
(optout.web.pagecache): whoever asked before, each page must be byte for byte what rendering it
afresh gives, with its own link, CSRF token, change id and days in "Why did I get this?"."""

from __future__ import annotations

import re

import pytest

from tests.helpers.web import csrf_token

pytestmark = pytest.mark.dialect_independent("how a page is rendered from the choices it shows")

SAID_YES = re.compile(r"<dd>(.*?)</dd>")
CHANGE = re.compile(r'change(=|" value=")[0-9a-f]{32}')  # in Undo's form and the language switch
CSRF = re.compile(r'name="csrf_token" value="[^"]+"')  # signed with the time: another each second


@pytest.fixture
def campaigns(make_campaign):
    return make_campaign("newsletter", topic="periodic"), make_campaign("fjord-spring", partner="fjordreiser")


def _post(client, url, path, data):
    page = client.get(url)
    data = {"csrf_token": csrf_token(page.text), **data}
    answer = client.post(url.split("?")[0] + path, data=data, headers={"Referer": url})
    assert answer.status_code == 303, answer.text
    return answer


def _states(client, url, decide, email):
    """The page in each state a person can bring it to, as the visitor sees it."""
    seen = [client.get(url).text]
    decide(email, "topic:phone", "opt-in")
    decide(email, "channel:phone", "opt-out")
    seen.append(client.get(url + "?lang=en").text)
    changed = _post(client, url, "", {"shown": ["topic:periodic"], "want": []})
    seen.append(client.get(changed.location).text)  # the change, with Undo
    paused = _post(client, url, "/pause", {"months": "3"})
    seen.append(client.get(paused.location).text)
    stopped = _post(client, url, "/everything", {"do": "stop"})
    seen.append(client.get(stopped.location).text)
    seen.append(client.get(url + "?lang=xx").text)  # an unknown language: rendered as before the cache
    return seen


def test_every_page_is_what_rendering_it_afresh_gives(client, links, campaigns, decide, afresh):
    runs = []
    for n, on in enumerate((False, True)):  # from the cache (warmed by another person), then afresh
        afresh["on"] = on
        for campaign in campaigns:
            pages = []
            for who in ("first", "second"):
                email = f"{who}.{n}.{campaign.slug}@example.no"
                url = links(email, campaign).preferences_url
                token = url.rsplit("/", 1)[1]
                pages = [
                    CSRF.sub("CSRF", CHANGE.sub("CHANGE", html.replace(token, "TOKEN")))
                    for html in _states(client, url, decide, email)
                ]
                for html in pages:  # each page carries its own link
                    actions = re.findall(r'action="([^"]+)"', html)
                    assert actions and all(action.startswith("/p/TOKEN") for action in actions)
            runs.append(pages)
    assert runs[:2] == runs[2:]
    assert "optout-slot-" not in "".join(runs[0] + runs[1])


def test_each_person_sees_their_own_day_and_change(client, links, campaigns, optout, tmp_path):
    campaign = campaigns[0]
    path = tmp_path / "consents.csv"
    path.write_text(
        "email,topic,given_at,evidence\nkari@example.no,phone,2025-05-01,form\nola@example.no,phone,2024-03-09,form\n"
    )
    assert optout("consent", "import", str(path)).exit_code == 0
    kari, ola = (links(email, campaign).preferences_url for email in ("kari@example.no", "ola@example.no"))
    said = [SAID_YES.findall(client.get(url + "?lang=en").text) for url in (kari, ola)]
    assert any("1 May 2025" in text for text in said[0]) and not any("2024" in text for text in said[0])
    assert any("9 March 2024" in text for text in said[1]) and not any("2025" in text for text in said[1])
    changes = set()
    for url in (kari, ola):
        done = client.get(_post(client, url, "", {"shown": ["topic:phone"], "want": []}).location).text
        [change] = re.findall(r'name="change" value="([0-9a-f]+)"', done)
        changes.add(change)
    assert len(changes) == 2


def test_each_browser_gets_its_own_csrf_token(app, links, campaigns):
    url = links("kari@example.no", campaigns[0]).preferences_url
    tokens = []
    for client in (app.test_client(), app.test_client()):
        html = client.get(url).text
        [token] = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
        _post(client, url, "", {"shown": ["topic:periodic"], "want": []})
        tokens.append(token)
    assert tokens[0] != tokens[1]


def test_the_cache_keeps_no_token_csrf_token_change_id_or_day(app, client, links, campaigns, optout, tmp_path):
    path = tmp_path / "consents.csv"
    path.write_text("email,topic,given_at,evidence\nkari@example.no,phone,2025-05-01,form\n")
    assert optout("consent", "import", str(path)).exit_code == 0
    url = links("kari@example.no", campaigns[0]).preferences_url
    page = client.get(url + "?lang=en").text
    changed = client.get(_post(client, url, "", {"shown": ["topic:periodic"], "want": []}).location).text
    secrets = {url.rsplit("/", 1)[1], csrf_token(page), "1 May 2025", *re.findall(r"[0-9a-f]{32}", changed)}
    kept = "".join(app.extensions["optout.page_cache"].held())
    assert kept and not any(secret in kept for secret in secrets)
