"""Reports for partners: aggregate counts only, never an address, an id or a token."""
