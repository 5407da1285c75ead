"""The query engine: Drill dialect, planner, executor and results (knows no API)."""
