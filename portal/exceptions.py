class PortalError(Exception):
    """A rule refused an action. ``message`` is translated and safe to show to the person who asked.

    Views turn it into a form error, the API into a 400 (or ``status_code``), so every rule is
    stated once, in the service that enforces it.
    """

    status_code = 400

    def __init__(self, message, *, code="invalid", field=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
