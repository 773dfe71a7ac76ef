"""Monthly financial health reports and reminder bookkeeping."""

__all__ = []
