"""Accounts without Flask: the privacy officers' logins and the API keys, for the console, the API and the CLI."""
