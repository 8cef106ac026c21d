"""The web side: Flask plumbing shared by the pages, the console, the API and the CLI's app context.

The domain (models, services) never imports this package; import-linter keeps it so.
"""
