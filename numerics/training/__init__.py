"""The trainer's parts (docs/theory.md#r7): history (records, save/load), inequalities (R7's per-step bounds as
lhs ≤ rhs), r7 (instances, hypotheses, the live monitor), fits (optimum at infinity), highprec (50-digit
re-evaluation), plots (PNG or sparklines). The loop itself is numerics.trainer."""
