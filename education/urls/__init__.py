"""Pages of the education app, one module per subject: literacy content under /learn/, health
reports under /reports/ (config/urls.py mounts each)."""
