"""Tools for developers of Optout (not used at run time)."""
