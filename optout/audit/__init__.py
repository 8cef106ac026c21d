"""The audit trail: who did what through the console, the command line and the API, and when."""
