"""The preference page reached by the signed link in the body of every email."""
