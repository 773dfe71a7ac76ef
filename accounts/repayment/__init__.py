"""Repayment options: early repayment, due-day change, automatic repayment and hardship plans,
carried out by the lender's core system."""
