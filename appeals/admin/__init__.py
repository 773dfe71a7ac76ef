"""The staff side of appeals: the queue by deadline (``queue``: filters, bulk assignment, CSV
export) and the review page (``review``: one form per action, a previewed decision). Every
action goes through appeals.services."""

from appeals.admin.queue import AppealAdmin

__all__ = ["AppealAdmin"]
