"""Quarterly assessment (考核评估, issue 15): indicator schemes scored from the platform's own
data, rounds computed → reviewed (objections) → published and frozen, rankings and reports."""
