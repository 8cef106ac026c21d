"""Helpers the tests import (constants, settings, links, forms, database reads); fixtures stay in
the ``conftest.py`` files, which pytest loads itself and no test imports."""
