"""The tamper-evident ledger: hash-chained appends, verification, exports and redaction."""
