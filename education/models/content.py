"""Literacy articles, topics, quizzes and reading progress."""

__all__ = []
