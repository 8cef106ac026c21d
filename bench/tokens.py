"""Token minting and verification per second, against raw HMAC-SHA256 measured in the same run.

Run from the repository root (never part of the test suite)::

    .venv/bin/python bench/tokens.py                 # 7 rounds x 100,000 operations, about 40 s
    .venv/bin/python bench/tokens.py --quick         # smoke run: 3 rounds x 20,000
    .venv/bin/python bench/tokens.py --rounds 9 --ops 200000

The raw floor is what a token costs with nothing around it: ``base64url(payload23 ‖
hmac.digest(key, payload23, "sha256")[:16])`` with a pre-derived key and a pre-packed 23-byte
payload (the same bytes Optout signs: version, key hint, pid, campaign id, language); its verify
is base64url decode, one ``hmac.digest`` and ``hmac.compare_digest``.
Optout's ``Minter``/``Reader``/``TokenService`` are measured on the same recipients with a
realistic key list (two keys, as during a rotation), reading tokens signed with the newest key
and with the older one.

Variants are interleaved round by round (the order rotates every round), and each ratio is the
median of per-round ratios, because absolute rates on a shared 2-vCPU machine drift by 25 %.
Goal (project issue): every mint and read variant reaches at least 0.5x the raw rate.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gc
import hmac
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from web import git_revision  # bench/ is on sys.path when run as a script

from optout.identity import pseudonymous_id
from optout.tokens import Purpose, TokenInvalid, TokenService
from optout.tokens.fast import Minter, Reader
from optout.tokens.format import FORMAT_VERSION, LANGUAGES, MAC_BYTES, PAYLOAD, derive_key, key_hint

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # the repository root, for the tests' oracle
from tests.tokens_oracle import reference_token

GOAL = 0.5  # each variant's rate / the raw floor's rate, median over rounds

# Fixed throw-away keys (>= 32 characters, like OPTOUT_SECRET_KEYS / OPTOUT_ID_KEY).
OLD_KEY = b"bench-old-signing-key-0123456789abcdefghij"
NEW_KEY = b"bench-new-signing-key-0123456789abcdefghij"
ID_KEY = b"bench-id-key-0123456789abcdefghijklmnopqrst"
KEYS = (OLD_KEY, NEW_KEY)  # oldest first, newest last, as in OPTOUT_SECRET_KEYS
PURPOSE = Purpose.UNSUBSCRIBE


@dataclass(frozen=True)
class Variant:
    name: str
    label: str  # short name for progress lines
    kind: str  # "mint" or "read": which floor it is compared with
    run: Callable[[int], None]  # performs n operations
    goal: bool = True  # False: shown for information, no goal applies


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def build(pool: int) -> tuple[list[Variant], dict[str, int]]:
    """Prepare inputs for *pool* distinct recipients and return the variants to time."""
    recipients = [
        (pseudonymous_id(ID_KEY, f"recipient{i}@example.no"), 1000 + i % 50, LANGUAGES[i % 2]) for i in range(pool)
    ]
    # The floor signs with a key derived once, as Minter does; the derivation is not the point.
    raw_key = derive_key(KEYS[-1], PURPOSE, FORMAT_VERSION)
    hint = key_hint(raw_key)
    payloads = [PAYLOAD.pack(FORMAT_VERSION, hint, pid, cid, LANGUAGES.index(lang)) for pid, cid, lang in recipients]

    def raw_mint_one(payload: bytes) -> str:
        return _b64(payload + hmac.digest(raw_key, payload, "sha256")[:MAC_BYTES])

    def raw_verify_one(token: str) -> bytes | None:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload, mac = data[:-MAC_BYTES], data[-MAC_BYTES:]
        return payload if hmac.compare_digest(mac, hmac.digest(raw_key, payload, "sha256")[:MAC_BYTES]) else None

    raw_tokens = [raw_mint_one(p) for p in payloads]
    service = TokenService(KEYS)
    minter = Minter(KEYS, PURPOSE)
    reader = Reader(KEYS, PURPOSE)
    old_minter = Minter((OLD_KEY,), PURPOSE)  # what links sent before the rotation carry
    new_tokens = [minter.mint(*r) for r in recipients]
    old_tokens = [old_minter.mint(*r) for r in recipients]
    # A forged token: right shape and key hint, wrong MAC; the key its hint names is tried, then refused.
    forged = [t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB") for t in new_tokens]

    # --- Correctness checks before any timing: the numbers must be about working code. ---
    assert len(payloads[0]) == PAYLOAD.size == 23, "the raw floor must sign Optout's 23-byte payload"
    for r, tok in zip(recipients[:200], new_tokens[:200], strict=True):
        assert tok == reference_token(KEYS, PURPOSE, *r), "Minter disagrees with itsdangerous.Signer"
        assert service.mint(PURPOSE, *r) == tok
    for r, new, old, raw, payload in zip(recipients, new_tokens, old_tokens, raw_tokens, payloads, strict=True):
        for tok in (new, old):
            claims = reader.read(tok)
            assert (claims.pid_bytes, claims.campaign_id, claims.lang) == r
        assert reader.unsign(new) == payload, "the raw floor signs other bytes than Minter"
        assert raw_verify_one(raw) == payload
    assert new_tokens[0] != old_tokens[0]
    for tok in forged[:200]:
        try:
            reader.read(tok)
        except TokenInvalid:
            continue
        raise AssertionError("a forged token verified")

    def loop(one: Callable[..., object], items: Sequence[object], star: bool = False) -> Callable[[int], None]:
        def run(n: int) -> None:
            reps, rest = divmod(n, len(items))
            chunks = [items] * reps + [items[:rest]]
            if star:
                for chunk in chunks:
                    for args in chunk:
                        one(*args)  # type: ignore[misc]
            else:
                for chunk in chunks:
                    for arg in chunk:
                        one(arg)

        return run

    svc_mint, svc_read = service.mint, service.read
    mint_args = [(PURPOSE, *r) for r in recipients]
    new_args = [(PURPOSE, t) for t in new_tokens]
    old_args = [(PURPOSE, t) for t in old_tokens]

    def rejected(tok: str) -> None:
        with contextlib.suppress(TokenInvalid):
            reader.read(tok)

    variants = [
        Variant("raw mint: b64(payload23 ‖ HMAC-SHA256[:16])", "raw-mint", "mint", loop(raw_mint_one, payloads)),
        Variant("Minter.mint", "Minter", "mint", loop(minter.mint, recipients, star=True)),
        Variant("TokenService.mint", "Svc.mint", "mint", loop(svc_mint, mint_args, star=True)),
        Variant(
            "raw verify: b64decode, HMAC, compare_digest",
            "raw-verify",
            "read",
            loop(raw_verify_one, raw_tokens),
        ),
        Variant("Reader.read, newest key (2 keys)", "Reader-new", "read", loop(reader.read, new_tokens)),
        Variant("Reader.read, older key (2 keys)", "Reader-old", "read", loop(reader.read, old_tokens)),
        Variant("TokenService.read, newest key", "Svc.read-new", "read", loop(svc_read, new_args, star=True)),
        Variant("TokenService.read, older key", "Svc.read-old", "read", loop(svc_read, old_args, star=True)),
        Variant("Reader.read, forged -> TokenInvalid", "forged", "read", loop(rejected, forged), goal=False),
    ]
    hints = {key_hint(derive_key(k, PURPOSE, FORMAT_VERSION)) for k in KEYS}
    sizes = {
        "recipients": pool,
        "new_token_len": len(new_tokens[0]),
        "raw_token_len": len(raw_tokens[0]),
        "distinct_hints": len(hints),
    }
    return variants, sizes


def measure(run: Callable[[int], None], n: int) -> float:
    gc.collect()
    start = time.perf_counter()
    run(n)
    return n / (time.perf_counter() - start)


def fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--ops", type=int, default=100_000, help="operations per variant and round (default 100000)")
    parser.add_argument("--pool", type=int, default=10_000, help="distinct recipients, cycled (default 10000)")
    parser.add_argument("--warmup", type=int, default=5_000, help="untimed operations per variant first")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 rounds x 20000 operations")
    parser.add_argument("--check", action="store_true", help="exit 1 when a variant misses the goal")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.ops = 3, 20_000
    if args.rounds < 1 or args.ops < 1 or args.pool < 1:
        parser.error("--rounds, --ops and --pool must be positive")

    print(f"# bench/tokens.py  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; optout {git_revision()}")
    print(
        f"# Python {platform.python_version()}, itsdangerous {version('itsdangerous')}, "
        f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs usable"
    )
    variants, sizes = build(min(args.pool, args.ops))
    print(
        f"# {args.rounds} rounds x {args.ops:,} ops per variant, "
        f"{sizes['recipients']:,} distinct recipients, "
        f"2 signing keys ({sizes['distinct_hints']} distinct key hints); "
        f"token {sizes['new_token_len']} chars (raw floor {sizes['raw_token_len']})"
    )
    for v in variants:
        v.run(args.warmup)

    rates: dict[str, list[float]] = {v.name: [] for v in variants}
    floors = {"mint": variants[0].name, "read": variants[3].name}
    for rnd in range(args.rounds):
        k = rnd % len(variants)
        order = variants[k:] + variants[:k]  # rotate so no variant always runs first or last
        for v in order:
            rates[v.name].append(measure(v.run, args.ops))
        progress = " ".join(f"{v.label}={rates[v.name][-1] / 1000:.0f}k" for v in variants)
        print(f"# round {rnd + 1}/{args.rounds}: {progress}", file=sys.stderr, flush=True)

    name_w = max(len(v.name) for v in variants)
    header = (
        f"{'variant':<{name_w}}  {'median ops/s':>12}  {'(min..max)':>21}  {'µs/op':>6}  "
        f"{'x raw':>5}  goal >= {GOAL}x raw"
    )
    print(header)
    print("-" * len(header))
    all_met = True
    for v in variants:
        r = rates[v.name]
        floor = floors[v.kind]
        ratio = statistics.median(a / b for a, b in zip(r, rates[floor], strict=True))
        med = statistics.median(r)
        if v.name == floor:
            verdict = "(floor)"
        elif not v.goal:
            verdict = "(info)"
        else:
            met = ratio >= GOAL
            all_met &= met
            verdict = "met" if met else "MISSED"
        rng = f"({fmt_rate(min(r))}..{fmt_rate(max(r))})"
        print(f"{v.name:<{name_w}}  {fmt_rate(med):>12}  {rng:>21}  {1e6 / med:>6.2f}  {ratio:>5.2f}  {verdict}")
    print(
        f"\nratios: median of per-round (variant rate / raw rate of the same kind); "
        f"goal {'met by every variant' if all_met else 'MISSED by at least one variant'}"
    )
    return 1 if args.check and not all_met else 0


if __name__ == "__main__":
    sys.exit(main())
