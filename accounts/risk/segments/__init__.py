"""Customer segments: versioned rules that place each account in exactly one segment, whose
thresholds a policy version may override (selectors: membership; services: editing sets)."""
