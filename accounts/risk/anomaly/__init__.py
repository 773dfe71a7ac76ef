"""Anomaly detection on account behaviour: features (features.py), the model (training.py),
scoring runs that open reviews (scoring.py), explanations in plain words (explain.py), staff
actions (services.py), reads (selectors.py), the admin (admin.py) and beat tasks (tasks.py).
A review is for a person to read: nothing here changes a limit."""
