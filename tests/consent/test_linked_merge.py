"""The person's choice is the latest across their linked identities, and every reader agrees.

For generated choices of an email id and a phone id (times drawn from a few instants, so ties
happen), linked or not, a small reference model (per scope the latest, a refusal winning a tie)
gives the verdict for each campaign; ``consent.sendability`` (what pages, CLI, console and package
read) and the filter's decider, probing and from every choice read at once, must all give it.
"""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from optout.catalog import service as catalog
from optout.catalog.cache import CampaignInfo, TopicInfo
from optout.consent import rules
from optout.consent import service as consent
from optout.consent.rules import EVERY_VERSION_COUNTS, Choices, Recorded
from optout.lists.decider import Decider
from optout.models import Choice, IdentityLink

SCOPES = ["everything", "channel:email", "channel:phone", "topic:periodic", "topic:phone", "partner:acme"]
T0 = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
_ids = itertools.count()
choice_sets = st.dictionaries(
    st.sampled_from(SCOPES), st.tuples(st.sampled_from(["opt-in", "opt-out"]), st.integers(0, 3)), max_size=4
)


def _model(*identities: dict[str, tuple[str, int]]) -> Choices:
    best: dict[str, tuple[int, bool, str]] = {}
    for recorded in identities:
        for scope, (status, at) in recorded.items():
            key = (at, status == "opt-out", status)
            if scope not in best or key > best[scope]:
                best[scope] = key
    return Choices({scope: Recorded(status, "v1") for scope, (_at, _out, status) in best.items()})


def _campaigns(session):
    catalog.add_partner(session, "acme", "Acme AS")
    made = [
        catalog.add_campaign(session, "news", topic_key="periodic", partner_slug=None),
        catalog.add_campaign(session, "calls", topic_key="phone", partner_slug=None),
        catalog.add_campaign(session, "offer", topic_key=None, partner_slug="acme"),
    ]
    return [CampaignInfo.of(c) for c in made]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=choice_sets, phone=choice_sets, linked=st.booleans())
def test_every_reader_gives_the_latest_choice_across_linked_identities(db_session, email, phone, linked):
    if not catalog.campaigns(db_session):
        _campaigns(db_session)
    infos = [CampaignInfo.of(c) for c in catalog.campaigns(db_session)]
    topics = [TopicInfo.of(t) for t in catalog.topics(db_session)]
    n = next(_ids)
    email_pid, phone_pid = f"{n:016x}" + "e" * 16, f"{n:016x}" + "f" * 16
    rows = [
        {
            "pid": pid,
            "scope": scope,
            "status": status,
            "policy_version": "v1",
            "changed_at": T0 + dt.timedelta(minutes=at),
        }
        for pid, recorded in ((email_pid, email), (phone_pid, phone))
        for scope, (status, at) in recorded.items()
    ]
    if rows:
        db_session.execute(insert(Choice), rows)
    if linked:
        db_session.execute(insert(IdentityLink), [{"email_pid": email_pid, "phone_pid": phone_pid, "linked_at": T0}])
    db_session.flush()
    people = {
        email_pid: _model(email, phone) if linked else _model(email),
        phone_pid: _model(phone, email) if linked else _model(phone),
    }
    connection = db_session.connection()
    for info in infos:
        slug = info.partner.slug if info.partner else None
        probing, loading = Decider(info), Decider(info)
        probed = probing.blocked(connection, list(people))
        loading.use(loading.read_all(connection))
        loaded = loading.blocked_ids(connection, [bytes.fromhex(pid) for pid in people])
        for pid, choices in people.items():
            want = rules.blocker(choices, info.topic, partner_slug=slug, fresh=EVERY_VERSION_COUNTS)
            assert probed.get(pid) == want, (info.slug, pid == email_pid, email, phone, linked)
            assert loaded.get(bytes.fromhex(pid)) == want, (info.slug, pid == email_pid, email, phone, linked)
            if slug is None:
                read = consent.sendability(db_session, pid, topics, fresh=EVERY_VERSION_COUNTS)
                assert read[info.topic.key] == want, (info.slug, email, phone, linked)
