"""Mass email and texts written by the office (the guide's Admin → Create Communications)."""
