"""Reform action plans tracked task by task across the reporting units (挂图作战)."""
