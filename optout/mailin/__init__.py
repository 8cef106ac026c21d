"""Mail that reaches us: the ``mailto:`` unsubscribe receiver (``optout mail serve``)."""
