"""The fast filter: forked workers, shared memory, a loader process and a bounded seen-set.

Reached through :func:`optout.lists.service.filter_list`, which decides when it is worth it;
:func:`optout.lists.filter.filter_csv` is the readable reference it must match byte for byte.
"""
