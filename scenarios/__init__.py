"""What the city might build: scenarios of projects, evaluation by year, comparison, optimisation."""
