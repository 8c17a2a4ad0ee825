"""What is on the ground: facility families and their schema, population cohorts, planning norms, the plan's targets."""
