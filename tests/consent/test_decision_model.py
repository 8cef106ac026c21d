"""The whole decision core against a small reference model, through the public surface.

A hypothesis state machine clicks one-click links and the confirmation page's buttons, saves
random subsets of the preference page, stops and resumes everything, pauses email and ends a
pause, lets days pass (the app's clock, :func:`optout.dates.today`, is the model's day), undoes
(valid, stale, an undo, from the wrong link), imports consents and suppressions, registers
policy versions (material or not) and erases people, each with a random spelling of the person's
address. After every step each surface's verdict must equal the model's, for every person and
topic: the filter (what is kept, and why the rest is dropped), ``optout recipient show``, the
preference page's status line and its ticks (a tick is "you get this" once no stop or pause holds
it back; the partner box only under its ticked parent), the unsubscribe page's "already
unsubscribed", and, every few steps, the officer's
look-up page and the access package. The stored choices must equal the model's, and the ledger
must verify.

The model is written here, from the README's rules, and shares no code with the app.
Profiles: ``OPTOUT_MODEL_PROFILE=ci`` (default) or ``long`` for a local soak run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import text

from optout import create_app, dates
from optout.accounts import officers as auth
from optout.catalog import service as catalog
from optout.cli import cli
from optout.consent import service as consent
from optout.identity import pseudonymous_id
from optout.links import links_for
from optout.models import Action, Source
from optout.phones import phone_id
from optout.web.session import get_session
from tests.helpers.db import empty_and_dispose
from tests.helpers.settings import BASE_URL, ID_KEY, settings_for
from tests.helpers.web import csrf_token

PROFILES = {
    "ci": settings(max_examples=12, stateful_step_count=12, deadline=None),
    "long": settings(max_examples=400, stateful_step_count=30, deadline=None),
}
PROFILE = PROFILES[os.environ.get("OPTOUT_MODEL_PROFILE", "ci")]

DEFAULT_VERSION = "2020-02-28"  # the configured policy version, in force until one is registered
OFFICER, PASSWORD = "personvern@example.no", "correct horse battery staple"
# Two people, each with spellings of one mailbox that must all be the same person.
PEOPLE = {
    "kari": ["kari@blåbær.no", "KARI@BLÅBÆR.NO", "kari@xn--blbr-roah.no", " Kari@Blåbær.no ", "kari@bla\u030abær.no"],
    "ola": [
        "ola@example.no",
        "OLA@EXAMPLE.NO",
        "ola@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.no",  # a full-width domain
        "\xa0ola@example.no",
    ],
}


@dataclass(frozen=True)
class TopicModel:
    key: str
    channel: str
    consent: bool  # basis: consent (else opt-out)
    name_en: str


TOPICS = {
    "periodic": TopicModel("periodic", "email", False, "Mesier newsletter"),
    "partner-offers": TopicModel("partner-offers", "email", True, "Offers from our partners"),
    "phone": TopicModel("phone", "phone", True, "Pre-recorded phone calls"),
}
# slug: (topic, partner)
CAMPAIGNS = {
    "newsletter": ("periodic", None),
    "offer": ("partner-offers", "acme"),
    "offer2": ("partner-offers", "fjord"),
    "calls": ("phone", None),
}
PAGE_SOURCES = {"one-click", "confirmation-page", "preference-page"}
SCOPES = ["everything", "channel:email", "channel:phone", "partner:acme", "partner:fjord"] + [
    f"topic:{key}" for key in TOPICS
]
CHANGE = re.compile(r'name="change" value="([0-9a-f]{32})"')
PAUSE = "pause:email"  # its state is ("pause", policy version, last day)
# A call list names a number: each person's has a standing opt-in to calls, given under the first
# policy version, so the call list's verdict is the person's address's unless a material policy
# change has made that opt-in stale.
CALLEES = {"kari": "+47 982 60 580", "ola": "+47 412 34 567"}
CALLEE_PIDS = {phone_id(ID_KEY.encode(), number).hex() for number in CALLEES.values()}


@dataclass
class ChangeModel:
    person: str
    source: str
    link: str | None
    campaign: str | None
    before: dict[str, tuple[str, str] | None]  # scope: the state it replaced (None: no choice)
    undo: bool = False


@dataclass
class Model:
    choices: dict[str, dict[str, tuple[str, str]]] = field(default_factory=lambda: {p: {} for p in PEOPLE})
    changes: dict[str, ChangeModel] = field(default_factory=dict)
    last_change: dict[tuple[str, str], str] = field(default_factory=dict)  # (person, scope): change id
    versions: list[tuple[str, dt.date, bool]] = field(default_factory=list)
    day: dt.date = field(default_factory=dates.today)  # Norway's today, as the app is made to see it

    @property
    def current(self) -> str:
        return self.versions[-1][0] if self.versions else DEFAULT_VERSION

    @property
    def fresh(self) -> set[str] | None:
        material = [i for i, (_v, _d, m) in enumerate(self.versions) if m]
        return None if not material else {v for v, _d, _m in self.versions[material[-1] :]}

    def version_at(self, day: dt.date) -> str:
        version = DEFAULT_VERSION
        for name, effective, _material in self.versions:
            if effective <= day:
                version = name
        return version

    def refused(self, person: str, scope: str) -> bool:
        return self.choices[person].get(scope, ("", ""))[0] == "opt-out"

    def stale(self, person: str, topic: TopicModel) -> bool:
        choice = self.choices[person].get(f"topic:{topic.key}")
        fresh = self.fresh
        return (
            topic.consent
            and choice is not None
            and choice[0] == "opt-in"
            and fresh is not None
            and (choice[1] not in fresh)
        )

    def wants(self, person: str, topic: TopicModel) -> bool:
        choice = self.choices[person].get(f"topic:{topic.key}")
        if choice is None:
            return not topic.consent
        return choice[0] == "opt-in" and not self.stale(person, topic)

    def paused(self, person: str) -> bool:
        state = self.choices[person].get(PAUSE)
        return state is not None and state[0] == "pause" and self.day <= state[2]

    def ticked(self, person: str, topic: TopicModel, partner: str | None = None) -> bool:
        """What a tick says: the verdict with neither the stop of everything nor a pause."""
        held = self.choices[person]
        kept = {s: c for s, c in held.items() if s not in ("everything", PAUSE)}
        self.choices[person] = kept
        try:
            return self.verdict(person, topic, partner) is None
        finally:
            self.choices[person] = held

    def verdict(self, person: str, topic: TopicModel, partner: str | None = None) -> str | None:
        if self.refused(person, "everything"):
            return "opted-out-everything"
        if self.refused(person, f"channel:{topic.channel}"):
            return "opted-out-channel"
        if partner and self.refused(person, f"partner:{partner}"):
            return "opted-out-partner"
        if self.refused(person, f"topic:{topic.key}"):
            return "opted-out-topic"
        if not self.wants(person, topic):
            return "consent-predates-policy" if self.stale(person, topic) else "no-consent"
        if topic.channel == "email" and self.paused(person):
            return "paused"
        return None

    def apply(
        self,
        person: str,
        writes: list[tuple[str, str]],
        source: str,
        link: str | None,
        campaign: str | None,
        version: str | None = None,
    ) -> dict[str, tuple[str, str] | None]:
        """Record *writes* (scope, action) as the app does; return what each changed scope held."""
        before: dict[str, tuple[str, str] | None] = {}
        version = version or self.current
        for scope, action in writes:
            now = self.choices[person].get(scope)
            if now is not None and now[0] == action and (action == "opt-out" or now[1] == version):
                continue  # the same status (an opt-in under the same version): nothing recorded
            before[scope] = now
            self.choices[person][scope] = (action, version)
        return before

    def remember(self, change_id: str | None, change: ChangeModel) -> None:
        if change_id is None or not change.before:
            return
        self.changes[change_id] = change
        for scope in change.before:
            self.last_change[(change.person, scope)] = change_id

    def undo_outcome(self, change_id: str, person: str, link: str, campaign: str) -> bool:
        change = self.changes.get(change_id)
        if change is None or change.person != person or change.undo or change.source not in PAGE_SOURCES:
            return False
        if link == "unsubscribe" and not (
            change.link == "unsubscribe"
            and change.campaign == campaign
            and all(self.choices[person].get(s, ("", ""))[0] == "opt-out" for s in change.before)
        ):
            return False
        return all(self.last_change.get((person, scope)) == change_id for scope in change.before)


class _Fixed:
    """Stands in for hypothesis' ``data`` where a composite rule already knows the change to undo."""

    def __init__(self, value: str) -> None:
        self.value = value

    def draw(self, _strategy: object) -> str:
        return self.value


class DecisionCore(RuleBasedStateMachine):
    """Drive the app; compare every surface with :class:`Model` after every step."""

    database_url = ""

    def __init__(self) -> None:
        super().__init__()
        self.app = create_app(settings_for(self.database_url))
        self.model = Model()
        self._today = dates.today
        dates.today = lambda: self.model.day  # the rule's one clock: the app sees the model's day
        self.steps = 0
        self._files: list[str] = []
        self.ids: dict[str, int] = {}
        with self.app.app_context():
            session = get_session()
            catalog.add_partner(session, "acme", "Acme AS")
            catalog.add_partner(session, "fjord", "Fjordreiser AS")
            for slug, (topic, partner) in CAMPAIGNS.items():
                made = catalog.add_campaign(session, slug, topic_key=None if partner else topic, partner_slug=partner)
                self.ids[slug] = made.id
            auth.add_officer(session, OFFICER, PASSWORD)
            context = consent.DecisionContext(Source.CLI, DEFAULT_VERSION)
            for pid in sorted(CALLEE_PIDS):
                consent.decide(session, pid, {"topic:phone": Action.OPT_IN}, context)
            session.commit()
        self.runner = self.app.test_cli_runner()
        self.officer = self.app.test_client()
        page = self.officer.get(f"{BASE_URL}/officer/login")
        login = {"csrf_token": csrf_token(page.text), "email": OFFICER, "password": PASSWORD}
        self.officer.post(f"{BASE_URL}/officer/login", data=login, headers={"Referer": f"{BASE_URL}/officer/login"})

    def teardown(self) -> None:
        dates.today = self._today
        empty_and_dispose(self.app)
        for name in self._files:
            os.unlink(name)

    # ---- helpers ----------------------------------------------------------------------------

    def cli(self, *args: str) -> str:
        result = self.runner.invoke(cli, list(args))
        assert result.exit_code == 0, (args, result.output)
        return result.stdout

    def links(self, spelling: str, campaign: str):
        with self.app.app_context():
            pid = pseudonymous_id(ID_KEY.encode(), spelling)
            tokens = self.app.extensions["optout.tokens"]
            return links_for(tokens, BASE_URL, pid, self.ids[campaign], "en")

    def last_change_id(self) -> str | None:
        with self.app.extensions["optout.db"].engine.connect() as conn:
            return conn.execute(text("SELECT change_id FROM consent_event ORDER BY seq DESC LIMIT 1")).scalar()

    def events(self) -> int:
        with self.app.extensions["optout.db"].engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM consent_event")).scalar_one())

    # ---- rules: the recipient's links -------------------------------------------------------

    people = st.sampled_from(sorted(PEOPLE))
    campaigns = st.sampled_from(sorted(CAMPAIGNS))
    spelling = st.integers(min_value=0, max_value=10)

    def spell(self, person: str, index: int) -> str:
        return PEOPLE[person][index % len(PEOPLE[person])]

    @rule(person=people, campaign=campaigns, index=spelling, button=st.booleans())
    def one_click(self, person: str, campaign: str, index: int, button: bool) -> None:
        """RFC 8058 one-click, or the confirmation page's button (the same request with source=page)."""
        url = self.links(self.spell(person, index), campaign).unsubscribe_url
        data = {"List-Unsubscribe": "One-Click", **({"source": "page"} if button else {})}
        answer = self.app.test_client().post(url, data=data)
        assert answer.status_code == 200
        topic = CAMPAIGNS[campaign][0]
        source = "confirmation-page" if button else "one-click"
        before = self.model.apply(person, [(f"topic:{topic}", "opt-out")], source, "unsubscribe", campaign)
        found = CHANGE.search(answer.text)
        assert bool(found) == bool(before)
        self.model.remember(found[1] if found else None, ChangeModel(person, source, "unsubscribe", campaign, before))

    @rule(person=people, campaign=campaigns, index=spelling)
    def unsubscribe_everything(self, person: str, campaign: str, index: int) -> None:
        url = self.links(self.spell(person, index), campaign).unsubscribe_url
        answer = self.app.test_client().post(url + "/everything")
        assert answer.status_code == 200
        before = self.model.apply(person, [("everything", "opt-out")], "confirmation-page", "unsubscribe", campaign)
        found = CHANGE.search(answer.text)
        change = ChangeModel(person, "confirmation-page", "unsubscribe", campaign, before)
        self.model.remember(found[1] if found else None, change)

    @rule(person=people, campaign=campaigns, index=spelling, wanted=st.sets(st.sampled_from(SCOPES)))
    def save_page(self, person: str, campaign: str, index: int, wanted: set[str]) -> None:
        """Tick a random subset of the preference page's boxes and save."""
        url = self.links(self.spell(person, index), campaign).preferences_url
        client = self.app.test_client()
        page = client.get(url)
        shown = re.findall(r'name="shown" value="([^"]+)"', page.text)
        want = [scope for scope in shown if scope in wanted]
        saved = client.post(
            url, data={"csrf_token": csrf_token(page.text), "shown": shown, "want": want}, headers={"Referer": url}
        )
        assert saved.status_code == 303
        topic_key, partner = CAMPAIGNS[campaign]
        model = self.model
        writes = []
        if model.refused(person, "everything"):
            assert shown == []  # the form gives way to «Meld meg på igjen»
        else:
            parent = model.ticked(person, TOPICS[topic_key])
            partner_shown = partner is not None and parent
            expected_shown = [f"topic:{k}" for k in TOPICS] + ([f"partner:{partner}"] if partner_shown else [])
            assert sorted(shown) == sorted(expected_shown)
            for key, topic in TOPICS.items():
                scope, checked = f"topic:{key}", model.ticked(person, topic)
                if scope in want and not checked:
                    writes.append((scope, "opt-in"))
                    if model.refused(person, f"channel:{topic.channel}"):
                        writes.append((f"channel:{topic.channel}", "opt-in"))
                elif scope not in want and checked:
                    writes.append((scope, "opt-out"))
            if partner_shown and f"topic:{topic_key}" in want:
                scope = f"partner:{partner}"
                if (scope in want) == model.refused(person, scope):
                    writes.append((scope, "opt-in" if scope in want else "opt-out"))
        before = self.model.apply(person, writes, "preference-page", "preferences", campaign)
        location = saved.headers["Location"]
        change_id = location.split("change=")[1].split("&")[0] if "change=" in location else None
        assert bool(change_id) == bool(before), (writes, location)
        self.model.remember(change_id, ChangeModel(person, "preference-page", "preferences", campaign, before))

    @rule(person=people, campaign=campaigns, index=spelling, stop=st.booleans())
    def stop_or_resume(self, person: str, campaign: str, index: int, stop: bool) -> None:
        url = self.links(self.spell(person, index), campaign).preferences_url
        client = self.app.test_client()
        page = client.get(url)
        data = {"csrf_token": csrf_token(page.text), "do": "stop" if stop else "resume"}
        saved = client.post(url + "/everything", data=data, headers={"Referer": url})
        assert saved.status_code == 303
        before = self.model.apply(
            person, [("everything", "opt-out" if stop else "opt-in")], "preference-page", "preferences", campaign
        )
        location = saved.headers["Location"]
        change_id = location.split("change=")[1].split("&")[0] if "change=" in location else None
        self.model.remember(change_id, ChangeModel(person, "preference-page", "preferences", campaign, before))

    @rule(person=people, campaign=campaigns, index=spelling, months=st.sampled_from([1, 3, 6]))
    def pause(self, person: str, campaign: str, index: int, months: int) -> None:
        """Pause all email from the preference page: a choice with a last day."""
        url = self.links(self.spell(person, index), campaign).preferences_url
        client = self.app.test_client()
        page = client.get(url)
        data = {"csrf_token": csrf_token(page.text), "months": str(months)}
        saved = client.post(url + "/pause", data=data, headers={"Referer": url})
        assert saved.status_code == 303
        held = self.model.choices[person]
        state = ("pause", self.model.current, dates.add_months(self.model.day, months))
        now = held.get(PAUSE)
        before = {} if now is not None and (now[0], now[2]) == (state[0], state[2]) else {PAUSE: now}
        if before:
            held[PAUSE] = state
        location = saved.headers["Location"]
        change_id = location.split("change=")[1].split("&")[0] if "change=" in location else None
        assert bool(change_id) == bool(before), location
        self.model.remember(change_id, ChangeModel(person, "preference-page", "preferences", campaign, before))

    @rule(person=people, campaign=campaigns, index=spelling)
    def end_pause(self, person: str, campaign: str, index: int) -> None:
        """«Avslutt pausen»: ends a pause that holds; one past its last day has ended by itself."""
        url = self.links(self.spell(person, index), campaign).preferences_url
        client = self.app.test_client()
        page = client.get(url)
        saved = client.post(url + "/pause/end", data={"csrf_token": csrf_token(page.text)}, headers={"Referer": url})
        assert saved.status_code == 303
        before = {}
        if self.model.paused(person):
            before = {PAUSE: self.model.choices[person].pop(PAUSE)}
        location = saved.headers["Location"]
        change_id = location.split("change=")[1].split("&")[0] if "change=" in location else None
        assert bool(change_id) == bool(before), location
        self.model.remember(change_id, ChangeModel(person, "preference-page", "preferences", campaign, before))

    @rule(days=st.sampled_from([1, 27, 31, 95, 200]))
    def days_pass(self, days: int) -> None:
        self.model.day += dt.timedelta(days=days)

    @rule(data=st.data(), person=people, campaign=campaigns, index=spelling, link=st.sampled_from(["u", "p"]))
    def undo(self, data: st.DataObject | _Fixed, person: str, campaign: str, index: int, link: str) -> None:
        """Undo a known change (any person's, an undo, a stale one) through either link."""
        # In the order the changes were made: their ids are random, so sorting them would pick another
        # change each time hypothesis replays the same steps (FlakyStrategyDefinition).
        known = list(self.model.changes) or ["0" * 32]
        change_id = data.draw(st.sampled_from(known))
        made = self.links(self.spell(person, index), campaign)
        client = self.app.test_client()
        expected = self.model.undo_outcome(change_id, person, "unsubscribe" if link == "u" else "preferences", campaign)
        if link == "u":
            answer = client.post(made.unsubscribe_url + "/undo", data={"change": change_id})
            assert answer.status_code == (200 if expected else 409)
        else:
            page = client.get(made.preferences_url + f"?change={change_id}")
            offered = f'name="change" value="{change_id}"' in page.text
            assert offered == expected
            answer = client.post(
                made.preferences_url + "/undo",
                data={"csrf_token": csrf_token(page.text), "change": change_id},
                headers={"Referer": made.preferences_url},
            )
            assert answer.status_code == (303 if expected else 409)
        if not expected:
            return
        change = self.model.changes[change_id]
        before: dict[str, tuple[str, str] | None] = {}
        for scope, state in change.before.items():
            before[scope] = self.model.choices[person].get(scope)
            if state is None:
                self.model.choices[person].pop(scope, None)
            else:
                self.model.choices[person][scope] = state  # status and the version it was given under
        undo = ChangeModel(person, "undo", "unsubscribe" if link == "u" else "preferences", campaign, before, undo=True)
        self.model.remember(self.last_change_id(), undo)

    @rule(person=people, campaign=campaigns, index=spelling, material=st.booleans(), link=st.sampled_from(["u", "p"]))
    def unsubscribe_then_policy_then_undo(
        self, person: str, campaign: str, index: int, material: bool, link: str
    ) -> None:
        """The sequence of the audit's finding: an opt-out, a new policy version, then Undo."""
        self.one_click(person, campaign, index, button=False)
        self.policy_version(material)
        newest = [c for c, change in self.model.changes.items() if change.person == person]
        if newest:
            self.undo(_Fixed(newest[-1]), person, campaign, index + 1, link)

    # ---- rules: marketing and the officer ---------------------------------------------------

    @rule(
        person=people,
        index=spelling,
        topic=st.sampled_from(sorted(TOPICS)),
        day=st.integers(min_value=0, max_value=700),
        tmp=st.just(None),
    )
    def import_consent(self, person: str, index: int, topic: str, day: int, tmp: None) -> None:
        given = dt.date(2024, 6, 1) + dt.timedelta(days=day)
        path = self._file(f'email,topic,given_at,evidence\n"{self.spell(person, index)}",{topic},{given},form\n')
        outcome = json.loads(self.cli("consent", "import", path))
        scope = f"topic:{topic}"
        model = self.model
        if model.refused(person, scope) or model.refused(person, "everything"):
            assert outcome["skipped-opt-out-stands"] == 1, outcome
            return
        version = model.version_at(given)
        fresh = model.fresh
        renews = model.stale(person, TOPICS[topic]) and (fresh is None or version in fresh)
        if model.choices[person].get(scope, ("", ""))[0] == "opt-in" and not renews:
            assert outcome["skipped-already-opted-in"] == 1, outcome
            return
        assert outcome["recorded"] == 1, outcome
        before = model.apply(person, [(scope, "opt-in")], "import", None, None, version=version)
        model.remember(self.last_change_id(), ChangeModel(person, "import", None, None, before))

    @rule(person=people, index=spelling, scope=st.sampled_from(SCOPES))
    def import_suppression(self, person: str, index: int, scope: str) -> None:
        path = self._file(f'email\n"{self.spell(person, index)}"\n')
        self.cli("suppress", "import", "--scope", scope, path)
        before = self.model.apply(person, [(scope, "opt-out")], "import", None, None)
        self.model.remember(self.last_change_id(), ChangeModel(person, "import", None, None, before))

    @rule(material=st.booleans())
    def policy_version(self, material: bool) -> None:
        number = len(self.model.versions) + 1
        effective = dt.date(2025, 1, 1) + dt.timedelta(days=30 * number)
        name = f"v{number}"
        self.cli(
            "policy",
            "add",
            name,
            "--date",
            effective.isoformat(),
            "--url",
            f"https://example.no/{name}",
            *(["--material"] if material else []),
        )
        self.model.versions.append((name, effective, material))

    @rule(person=people, index=spelling)
    def erase(self, person: str, index: int) -> None:
        self.cli("subject", "erase", self.spell(person, index), "--yes")
        for change_id in [c for c, change in self.model.changes.items() if change.person == person]:
            del self.model.changes[change_id]
        for key in [k for k in self.model.last_change if k[0] == person]:
            del self.model.last_change[key]
        self.model.choices[person] = {"everything": ("opt-out", self.model.current)}

    def _file(self, content: str) -> str:
        import tempfile

        handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")  # noqa: SIM115
        with handle:
            handle.write(content)
        self._files.append(handle.name)
        return handle.name

    # ---- invariants -------------------------------------------------------------------------

    @invariant()
    def stored_choices_are_the_models(self) -> None:
        self.steps += 1
        with self.app.extensions["optout.db"].engine.connect() as conn:
            stored = {
                (r.pid, r.scope): (r.status, r.policy_version)
                + ((dt.date.fromisoformat(str(r.ends_on)),) if r.status == "pause" else ())
                for r in conn.execute(text("SELECT pid, scope, status, policy_version, ends_on FROM choice"))
                if r.pid not in CALLEE_PIDS
            }
        expected = {
            (pseudonymous_id(ID_KEY.encode(), PEOPLE[p][0]).hex(), scope): state
            for p, held in self.model.choices.items()
            for scope, state in held.items()
        }
        assert stored == expected

    @invariant()
    def every_surface_gives_the_models_verdict(self) -> None:
        for person in PEOPLE:
            spelling = self.spell(person, self.steps)
            verdicts = {key: self.model.verdict(person, topic) for key, topic in TOPICS.items()}
            shown = json.loads(self.cli("recipient", "show", spelling))
            assert {k: v is None for k, v in verdicts.items()} == shown["receives"]
            assert {k: v for k, v in verdicts.items() if v} == shown["blocked_by"]
            page = self.app.test_client().get(self.links(spelling, "newsletter").preferences_url + "?lang=en")
            line = re.search(r'<p class="now" id="now">(.*?)</p>', page.text, re.S)[1]
            getting = {TOPICS[k].name_en for k, v in verdicts.items() if v is None}
            if getting:
                listed = re.search(r"You now get: (.*?)\.", line)[1]
                assert set(listed.split(", ")) == getting, line
            else:
                assert "You now get nothing from us." in line
            ticks = set(re.findall(r'name="want" value="([^"]+)"[^>]*\bchecked\b', page.text.replace("\n", " ")))
            if self.model.refused(person, "everything"):
                assert 'name="want"' not in page.text
            else:
                ticked = {f"topic:{k}" for k, topic in TOPICS.items() if self.model.ticked(person, topic)}
                assert ticks == ticked, (ticks, ticked)
                assert getting <= {TOPICS[s.partition(":")[2]].name_en for s in ticks}  # a pause unticks nothing
            for campaign, (topic, partner) in CAMPAIGNS.items():
                page = self.app.test_client().get(self.links(spelling, campaign).unsubscribe_url + "?lang=en")
                refused = (self.model.verdict(person, TOPICS[topic], partner) or "").startswith("opted-out")
                assert ("You are already unsubscribed" in page.text) == refused, (person, campaign)

    @invariant()
    def the_filter_keeps_and_drops_as_the_model(self) -> None:
        for campaign, (topic, partner) in CAMPAIGNS.items():
            if TOPICS[topic].channel == "phone":  # a call list: each row's number is decided too
                rows = "".join(f'{CALLEES[p]},"{self.spell(p, self.steps + 1)}"\n' for p in PEOPLE)
                path = self._file("phone,email\n" + rows)
            else:
                rows = "".join(f'"{self.spell(p, self.steps + 1)}"\n' for p in PEOPLE)
                path = self._file("email\n" + rows)
            result = self.runner.invoke(cli, ["filter", "--campaign", campaign, path])
            assert result.exit_code == 0, result.output
            kept = len(result.stdout.strip().splitlines()) - 1
            expected = [self.model.verdict(p, TOPICS[topic], partner) for p in PEOPLE]
            fresh = self.model.fresh
            if TOPICS[topic].channel == "phone" and fresh is not None and DEFAULT_VERSION not in fresh:
                expected = ["consent-predates-policy" for _p in PEOPLE]  # the numbers' opt-ins are stale
            assert kept == expected.count(None), (campaign, expected, result.stdout)

    @invariant()
    def the_officer_and_the_package_agree_every_few_steps(self) -> None:
        if self.steps % 4:
            return
        for person in PEOPLE:
            spelling = self.spell(person, self.steps + 2)
            verdicts = {key: self.model.verdict(person, topic) for key, topic in TOPICS.items()}
            package = json.loads(self.cli("subject", "export", spelling, "--reason", "model check"))
            assert package["receives"] == {k: v is None for k, v in verdicts.items()}
            page = self.officer.get(f"{BASE_URL}/officer/lookup?lang=en")
            found = self.officer.post(
                f"{BASE_URL}/officer/lookup?lang=en",
                data={"csrf_token": csrf_token(page.text), "email": spelling},
                headers={"Referer": f"{BASE_URL}/officer/lookup"},
            )
            for key, verdict in verdicts.items():
                item = re.search(rf"<li>{re.escape(TOPICS[key].name_en)}: <strong>(\w+)</strong>", found.text)
                assert item is not None and item[1] == ("yes" if verdict is None else "no"), (key, verdict)

    @invariant()
    def the_ledger_verifies(self) -> None:
        if self.steps % 3 == 0:
            self.cli("ledger", "verify")


def test_the_decision_core_matches_its_model(database_url: str) -> None:
    DecisionCore.database_url = database_url
    run_state_machine_as_test(DecisionCore, settings=settings(PROFILE, suppress_health_check=[HealthCheck.too_slow]))
