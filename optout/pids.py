"""The pseudonymous id in its two spellings, as types, so that a signature says which it takes.

:data:`Pid` is the 32 hex digits that services, the database, logs' redaction and exports use;
:data:`PidBytes` is the 16 raw bytes of the keyed hash (:func:`optout.identity.pseudonymous_id`)
that link tokens carry and the filter's engine handles. Both are ``NewType``: free at run time,
checked by mypy. The engine's hot loops keep plain ``bytes`` and ``str`` (a ``NewType`` call per
row would cost time for nothing); they are the same values.
"""

from __future__ import annotations

from typing import NewType

Pid = NewType("Pid", str)
PidBytes = NewType("PidBytes", bytes)


def pid_hex(pid_bytes: PidBytes) -> Pid:
    """The hex spelling of the raw id *pid_bytes*."""
    return Pid(pid_bytes.hex())
