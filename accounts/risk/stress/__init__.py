"""Stress tests of policy versions: the book under a shock, decided without writing anything."""
