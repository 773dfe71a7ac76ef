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

    def add_to_form(self, form):
        """Show this refusal on ``form``: on the field it names, when the form has that field,
        otherwise at the top of the form."""
        form.add_error(self.field if self.field in form.fields else None, self.message)
