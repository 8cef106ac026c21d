"""The heart of Optout: recording choices in the ledger and reading a recipient's state."""
