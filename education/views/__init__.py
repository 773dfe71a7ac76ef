"""Pages of the education app, one module per subject."""
