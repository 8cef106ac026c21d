"""The ``List-Unsubscribe`` URL: GET shows a confirmation, POST (RFC 8058 one-click) acts."""
