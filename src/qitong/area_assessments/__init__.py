"""Regional assessment results (区域评估成果, issue 16): zones, the assessment items, results
with their validity and conditions, publication and collection into the approval system,
projects (24-character project code) and the uses that spare them a repeat assessment."""
