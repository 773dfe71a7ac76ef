"""The education app's REST API, one module per subject."""
